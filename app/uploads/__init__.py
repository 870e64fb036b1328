"""Supporting documents: what may be uploaded, how it is checked (kind, viruses, the
text read for the anonymisation check), stored and sent back. The CPD views call this
package; it knows nothing of forms or pages."""
