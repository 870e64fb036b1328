"""Supporting documents: what may be uploaded, how it is checked (its kind, viruses, the
text read for the anonymisation check), stored and sent back. The CPD views call this
package through the names below; it knows nothing of forms or pages.

- sniffing: what a file is, by its bytes; archive limits
- extraction: the text of a document, read in a child process with a time and memory budget
- scanning: ClamAV
- checks: every uploaded file through the above, one sentence for each refusal
- storage: documents in the database, read back in chunks
- names: file names in and out (Content-Disposition)
"""

from app.uploads.checks import (
    CheckedFile,
    UploadCheck,
    check_document,
    check_uploads,
    chosen_files,
)
from app.uploads.names import clean_filename, content_disposition
from app.uploads.quota import room_left
from app.uploads.scanning import Scanner, current_scanner
from app.uploads.sniffing import ACCEPT, MEDIA_TYPES
from app.uploads.storage import (
    content_chunks,
    copy_to,
    describe,
    documents_of,
    get_document,
    keep_known,
    listed,
    mark_removed,
    read_content,
    store,
)

__all__ = [
    "ACCEPT",
    "MEDIA_TYPES",
    "CheckedFile",
    "Scanner",
    "UploadCheck",
    "check_document",
    "check_uploads",
    "chosen_files",
    "clean_filename",
    "content_chunks",
    "content_disposition",
    "copy_to",
    "current_scanner",
    "describe",
    "documents_of",
    "get_document",
    "keep_known",
    "listed",
    "mark_removed",
    "read_content",
    "room_left",
    "store",
]
