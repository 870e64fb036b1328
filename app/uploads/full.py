"""What a write that would take an account past its storage quota raises. A module of
its own, importing nothing, so the CPD views can name it while app.uploads is still
being imported (app.uploads.quota reads the CPD tables)."""


class StorageFull(Exception):
    """The write would take the account over its quota: nothing of it is stored."""


class RecordsFull(StorageFull):
    """A new record would take the account past the records it may hold."""
