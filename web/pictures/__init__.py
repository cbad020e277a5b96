"""Pictures on the web: uploading and removing them, serving their files, showing them."""
