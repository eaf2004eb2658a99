"""gunicorn's configuration for `make run`: `gunicorn -c python:travelguru.gunicorn_conf`.

The access log is the one log a request reaches before any Django code runs, and gunicorn
writes it for refused requests too: the raw request line (query string included), the
Referer and the User-Agent. MaskingLogger masks card numbers and URL credentials
(`access_token=`…) in every access and error line, percent-encoded ones included
(travelguru.log_masking). Command-line options (bind, workers, --access-logfile) still
apply on top of this file.

Only gunicorn imports this module; the Lambda package leaves gunicorn out.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from travelguru.log_masking import MaskingFilter


class MaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        # On the loggers themselves: gunicorn makes its records there (a reload runs setup
        # again, hence the check).
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskingFilter) for f in log.filters):
                log.addFilter(MaskingFilter())


logger_class = MaskingLogger
# Apache's combined format, as gunicorn's default: the masks apply to every field.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
# gunicorn's own error answers (an over-long request line, too many headers) as
# problem+json like every other API error, without echoing the request line.
worker_class = "travelguru.gunicorn_worker.ProblemThreadWorker"
