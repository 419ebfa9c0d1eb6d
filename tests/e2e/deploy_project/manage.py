#!/usr/bin/env python
"""manage.py of the project the deploy-side end-to-end tests migrate."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deployproj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
