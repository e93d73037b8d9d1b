"""The studio's verification page (``/studio/verification/``): apply for the verified badge, follow the request,
read a rejection's reason and apply again. Mounted by ``livestream/urls.py``."""
