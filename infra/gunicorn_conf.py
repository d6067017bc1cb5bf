"""gunicorn's settings wherever it serves Mustafid: `make run`, the tests' live stack and
production (`gunicorn -c python:infra.gunicorn_conf platform_core.wsgi …`).

The access log names the path without its query string, and neither the client's address nor
the referrer: a complaint's and a whistleblowing report's follow-up links carry their token in
the query (a referrer repeats it), and whistleblowing promises to keep no reporter's address.
"""

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
