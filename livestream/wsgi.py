import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.base")
application = get_wsgi_application()

# What is loaded by now lives as long as the process. Freezing it keeps it out of the collector: a full
# collection then walks what requests made (~4 ms) instead of all of Django too (~80 ms, every thread of the
# worker stopped: measured as the p99 of the hot gift route). bench/gifts.py, README "Gifts into one hot creator".
gc.freeze()
