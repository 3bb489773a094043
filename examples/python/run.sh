#!/bin/sh
# Handler of the zip + layer deployment: /opt/bootstrap (AWS_LAMBDA_EXEC_WRAPPER) execs this
# script instead of the Python runtime client. exec, so the app receives SIGTERM at shutdown.
exec python3 server.py
