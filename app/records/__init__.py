"""The CPD records' and documents' tables, on a floor below every feature that reads
or writes them (Your CPD and the forms in app/cpd, Ready to renew, reminders, uploads,
Print and keep, account deletion)."""
