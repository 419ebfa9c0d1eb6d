#!/usr/bin/env python3
"""Download a corpus of real Django migration files from PyPI (never committed).

Usage, from the repository root::

    python benchmarks/fetch_corpus.py             # everything listed in PROJECTS
    python benchmarks/fetch_corpus.py --list      # show the list, download nothing
    python benchmarks/fetch_corpus.py --only wagtail django-cms
    python benchmarks/fetch_corpus.py --force     # re-extract projects already done
    python benchmarks/fetch_corpus.py --with-sources   # the full corpus (below)

For every entry of ``PROJECTS`` (a pinned release of a public Django project or app), the script
downloads one distribution file (a wheel or an sdist, see ``Project.prefer``) from PyPI, checks
its sha256 against the digest PyPI publishes, and extracts only the files matching
``*/migrations/*.py`` (``__init__.py`` excluded) into::

    benchmarks/.corpus/<project>-<version>/<path inside the archive>

That folder is git-ignored: the corpus is downloaded at run time, never committed.

Distinct files only
    * a file whose bytes equal a file already in the corpus (an app vendored by another
      project, the same empty migration in two test apps...) is not written again;
    * a near duplicate of a file of ANOTHER release (same file name, >= 90% of the tokens alike
      once layout, comments, quote style and trailing commas are ignored) is not written either:
      that is the same migration moved or reformatted (black) between releases;
    * South migrations (pre Django 1.7, also kept in ``migrations/``) are skipped.
    All three are counted per project in the output and in the manifest.

One release per project, with marked exceptions (OLDER RELEASES)
    Each project appears once, at one pinned release, except the entries with
    ``supplement_of`` set: an OLDER release of a project that later squashed, reset or moved its
    migrations, so that release holds real migration files the current one no longer ships
    (e.g. Weblate squashes at every major version, Sentry squashed 0001-0200). They are there
    because one release per project falls short of the 15,000 files targeted. From such a
    release only migrations whose package-relative path does not exist in the main release
    (nor in an earlier supplement of the same project) are extracted, and the near-duplicate
    filter above applies too, so they add no near-copy of a file already in the corpus. The
    output and the manifest flag them "OLDER RELEASE of <project>", and the total says how many
    files they contribute.

Idempotent
    A release whose folder holds a ``.done`` marker is skipped (its files still take part in the
    de-duplication). Archives are downloaded to ``benchmarks/.corpus/_archives/`` (or
    ``--archives DIR``) and deleted after extraction unless ``--keep-archives``.

Output: one line per release with its file count, the total, and ``MANIFEST.txt`` in the corpus
folder (tab-separated: project, version, files, exact and near duplicates skipped, South
migrations skipped, archive, note).

The full corpus (``--with-sources``, default folder ``benchmarks/.corpus-full``)
    The same releases, extracted whole, so that each folder is a project as it is installed
    rather than migrations cut out of it: MF003 then finds a project's own field modules, and
    a migration's history has every file of its release. Three kinds of files are written:
    * the corpus's migrations: exactly the files the migrations corpus holds, chosen by the
      same de-duplication in the same order (the list is in each ``.done`` marker,
      ``"migrations"``);
    * context migrations: the release's other migrations, which the migrations corpus leaves
      out as exact or near duplicates or, in an older release, as present in the main release
      (``"context"`` in the marker; South migrations are still left out). They are in the
      folder for the history of the others; ``mf003_causes.py`` leaves their findings out, as
      the same files are counted where the corpus keeps them;
    * every other ``.py`` file of the release (``"sources"`` in the marker: the number).
    A corpus folder holds one kind: markers of the other kind are re-extracted.

Network: the PyPI JSON API and the file URLs it lists (stdlib ``urllib``); if that fails for a
release, ``pip download --no-deps`` of that exact version is tried instead.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE / ".corpus"
DEFAULT_FULL_CORPUS = HERE / ".corpus-full"
PYPI_JSON = "https://pypi.org/pypi/{name}/json"
USER_AGENT = "migration-fixer-benchmarks/0.1 (+fetch_corpus.py)"
DONE_MARKER = ".done"
MANIFEST = "MANIFEST.txt"
TARGET_FILES = 15_000


@dataclass(frozen=True)
class Project:
    """One pinned distribution to mine for migrations."""

    name: str
    version: str
    # "wheel": a wheel if there is one, else the sdist; "sdist": the reverse. sdists often
    # also ship the migrations of their test apps; wheels are smaller.
    prefer: str = "wheel"
    # Set on an older release of a project listed elsewhere in PROJECTS at its main version:
    # only migrations whose package-relative path is absent from the main release are kept.
    supplement_of: str | None = None
    note: str = ""

    @property
    def dirname(self) -> str:
        return f"{self.name}-{self.version}"


# Pinned so that the corpus is the same wherever and whenever it is fetched. The order decides
# which copy of a duplicate is kept (the first), hence libraries before the applications that
# vendor them. The trailing comments are the number of migration files in each archive.
PROJECTS: list[Project] = [
    # The framework itself first: applications vendor copies of it (kolibri ships Django).
    Project("django", "6.1.3", prefer="sdist", note="contrib apps and the test suite's apps"),  # 88
    # Frameworks and reusable apps (before the applications that vendor some of them).
    Project("wagtail", "8.0.1", prefer="sdist"),  # 302
    Project("django-oscar", "4.2.1", prefer="sdist"),  # 134
    Project("django-cms", "5.1.3", prefer="sdist"),  # 49
    Project("djangocms-blog", "2.0.10"),  # 47
    Project("netbox-bgp", "0.20.2"),  # 44
    Project("django-helpdesk", "2.6.1"),  # 43
    Project("wagtailmenus", "4.2.0"),  # 39
    Project("netbox-plugin-dns", "1.7.3"),  # 35
    Project("django-admin-interface", "0.32.0"),  # 32
    Project("nautobot-device-lifecycle-mgmt", "4.2.1"),  # 32
    Project("nautobot-golden-config", "3.0.8"),  # 32
    Project("djangocms-cascade", "2.3.14"),  # 31
    Project("django-sql-explorer", "5.3.1"),  # 28
    Project("djangocms-bootstrap4", "3.1.1"),  # 28
    Project("morango", "0.8.15"),  # 28
    Project("django-oidc-provider", "0.9.0"),  # 27
    Project("openwisp-users", "1.3.2"),  # 26
    Project("edx-proctoring", "6.1.4"),  # 25
    Project("wagtail-personalisation", "1.0.0"),  # 25
    Project("djangocms-aldryn-newsblog", "4.4.2"),  # 24
    Project("djangocms-moderation", "2.5.1"),  # 24
    Project("django-allauth", "65.21.1"),  # 23
    Project("djangocms-versioning", "2.8.0"),  # 23
    Project("lti-consumer-xblock", "11.4.4"),  # 23
    Project("nautobot-firewall-models", "3.0.1"),  # 23
    Project("django-oauth-toolkit", "3.4.1"),  # 22
    Project("netbox-inventory", "2.7.1"),  # 22
    Project("social-auth-app-django", "8.0.0"),  # 22
    Project("django-celery-beat", "2.9.0"),  # 21
    Project("djangocms-frontend", "2.5.3"),  # 21
    Project("wagtail-transfer", "0.11"),  # 21
    Project("django-easy-audit", "1.3.9"),  # 20
    Project("django-viewflow", "2.4.0"),  # 20
    Project("djangocms-link", "5.2.0"),  # 20
    Project("pinax-blog", "8.0.1"),  # 20
    Project("django-filer", "3.6.0"),  # 19
    Project("django-fobi", "0.19.9"),  # 19
    Project("django-q2", "1.11.1"),  # 19
    Project("netbox-lifecycle", "1.1.11"),  # 19
    Project("aldryn-forms", "6.2.1"),  # 18
    Project("aldryn-people", "2.2.0", prefer="sdist"),  # 18
    Project("django-fluent-contents", "3.1"),  # 18
    Project("nautobot-ssot", "4.7.0"),  # 18
    Project("ora2", "7.1.2"),  # 18
    Project("django-auditlog", "3.4.1"),  # 17
    Project("djangocms-snippet", "5.0.2"),  # 17
    Project("openwisp-notifications", "1.3"),  # 17
    Project("aldryn-newsblog", "2.2.1"),  # 16
    Project("djangocms-page-meta", "1.4.5"),  # 16
    Project("nautobot-device-onboarding", "5.6.0"),  # 16
    Project("netbox-acls", "2.1.0"),  # 16
    Project("openedx-ledger", "2.1.0"),  # 16
    Project("wagtail-localize", "1.14.5"),  # 16
    Project("django-cms-qe", "4.8.3"),  # 15
    Project("django-fluent-pages", "3.0.2"),  # 15
    Project("django-otp", "1.7.5"),  # 15
    Project("django-scheduler", "0.12.0"),  # 15
    Project("django-shop", "1.2.4"),  # 15
    Project("djangocms-video", "3.2.0"),  # 15
    Project("netbox-topology-views", "5.0.0"),  # 15
    Project("pinax-stripe", "4.4.0"),  # 15
    Project("django-celery-results", "2.6.0"),  # 14
    Project("django-newsletter", "1.2.1"),  # 14
    Project("django-post-office", "3.12.0"),  # 14
    Project("django-cities-light", "3.11"),  # 13
    Project("django-guardian", "3.5.2"),  # 13
    Project("django-photologue", "3.20"),  # 13
    Project("django-two-factor-auth", "1.18.1"),  # 13
    Project("edx-submissions", "4.0.2"),  # 13
    Project("nautobot-circuit-maintenance", "3.1.1"),  # 13
    Project("netbox-attachments", "12.0.0"),  # 13
    Project("django-cities", "0.6.2", prefer="sdist"),  # 12
    Project("django-push-notifications", "3.3.0"),  # 12
    Project("djangocms-file", "4.0.1"),  # 12
    Project("djangocms-googlemap", "2.2.0"),  # 12
    Project("djangocms-picture", "4.1.1"),  # 12
    Project("djangorestframework-simplejwt", "5.5.1"),  # 12
    Project("netbox-documents", "0.8.5"),  # 12
    Project("django-x509", "1.4.1"),  # 11
    Project("edx-organizations", "9.0.0"),  # 11
    Project("netbox-secrets", "3.1.2"),  # 11
    Project("openedx-authz", "1.35.0"),  # 11
    Project("django-axes", "8.3.1"),  # 10
    Project("django-notifications-hq", "1.8.3", prefer="sdist"),  # 10
    Project("edx-name-affirmation", "3.0.2"),  # 10
    Project("nautobot-bgp-models", "3.2.0"),  # 10
    Project("nautobot-dns-models", "2.3.0"),  # 10
    Project("nautobot-floor-plan", "3.0.2"),  # 10
    Project("django-ca", "3.2.0"),  # 9
    Project("django-mailbox", "4.10.1", prefer="sdist"),  # 9
    Project("django-rest-knox", "5.1.0"),  # 9
    Project("django-silk", "5.6.0"),  # 9
    Project("edx-notices", "0.14.55"),  # 9
    Project("edx-when", "4.1.0"),  # 9
    Project("wiki", "0.13.0"),  # 9
    Project("django-comments-xtd", "2.10.13"),  # 8
    Project("django-dynamic-preferences", "1.17.0"),  # 8
    Project("djangocms-alias", "3.2.0"),  # 8
    Project("djangocms-style", "3.1.0"),  # 8
    Project("puput", "2.2.0"),  # 8
    Project("django-taggit", "6.1.0"),  # 7
    Project("kiwitcms-tenants", "4.4.1"),  # 7
    Project("longclaw", "1.0.2"),  # 7
    Project("nautobot-chatops", "4.1.0"),  # 7
    Project("nautobot-data-validation-engine", "3.4.1"),  # 7
    Project("django-organizations", "2.7.0"),  # 6
    Project("openedx-forum", "0.6.0"),  # 6
    Project("django-categories", "2.0.0"),  # 5
    Project("django-otp-webauthn", "0.10.3"),  # 5
    Project("django-registration-redux", "2.13"),  # 5
    Project("django-webpush", "0.3.6"),  # 5
    Project("djangocms-text-ckeditor", "5.1.7"),  # 5
    Project("djangorestframework-api-key", "3.1.0"),  # 5
    Project("edx-completion", "5.0.0"),  # 5
    Project("nautobot-workflow-engine", "1.1.2"),  # 5
    Project("openwisp-ipam", "1.3.1"),  # 5
    Project("wagtailmedia", "0.19.1"),  # 5
    Project("django-blog-zinnia", "0.20"),  # 4
    Project("django-contrib-comments", "2.2.0"),  # 4
    Project("django-cookie-consent", "1.0.0"),  # 4
    Project("django-flags", "5.2.0"),  # 4
    Project("django-fluent-blogs", "3.1"),  # 4
    Project("django-invitations", "2.1.0"),  # 4
    Project("django-oscar-accounts", "3.0.1"),  # 4
    Project("django-waffle", "5.0.0"),  # 4
    Project("edx-event-routing-backends", "10.1.0"),  # 4
    Project("edx-milestones", "2.0.0"),  # 4
    Project("edxval", "5.0.1"),  # 4
    Project("pinax-events", "3.0.0"),  # 4
    Project("pinax-referrals", "4.5.0"),  # 4
    Project("pretix-pages", "1.6.4"),  # 4
    Project("wagtail-seo", "3.1.1"),  # 4
    Project("dj-stripe", "2.11.0"),  # 3
    Project("django-activity-stream", "2.0.0"),  # 3
    Project("django-address", "0.2.8", prefer="sdist"),  # 3
    Project("django-cas-ng", "5.1.1"),  # 3
    Project("django-constance", "4.4.0"),  # 3
    Project("django-cron", "0.6.0"),  # 3
    Project("django-mailman3", "1.3.15"),  # 3
    Project("django-tagging", "0.5.0"),  # 3
    Project("django-user-sessions", "2.0.0"),  # 3
    Project("edx-celeryutils", "2.0.0"),  # 3
    Project("nautobot-app-vpn", "2.0.1"),  # 3
    Project("django-background-tasks", "1.2.8"),  # 2
    Project("django-loci", "1.3"),  # 2
    Project("django-oscar-paypal", "2.0.0"),  # 2
    Project("django-reversion", "6.4.0"),  # 2
    Project("django-robots", "6.1"),  # 2
    Project("django-simple-captcha", "0.7.0"),  # 2
    Project("django-summernote", "0.8.20.0", prefer="sdist"),  # 2
    Project("django-watson", "1.6.3"),  # 2
    Project("djangosaml2idp", "0.7.2"),  # 2
    Project("easy-thumbnails", "2.10.1"),  # 2
    Project("nautobot-design-builder", "3.1.2"),  # 2
    Project("django-cas-server", "3.1.0"),  # 1
    Project("django-defender", "0.9.8"),  # 1
    Project("django-oscar-api", "3.3.0"),  # 1
    Project("django-postman", "4.6"),  # 1
    Project("django-river", "3.3.0"),  # 1
    Project("pinax-badges", "3.0.0"),  # 1
    Project("pinax-messages", "3.0.0"),  # 1
    Project("wagtail-2fa", "1.8.0"),  # 1
    Project("wagtail-ab-testing", "0.14"),  # 14
    Project("modoboa-postfix-autoreply", "1.8.1"),  # 8
    Project("openedx-webhooks", "22.0.0"),  # 8
    Project("geonode-importer", "1.1.4"),  # 7
    Project("modoboa-contacts", "1.1.3"),  # 7
    Project("openedx-completion-aggregator", "4.5.0"),  # 7
    Project("xblock-problem-builder", "5.2.1"),  # 7
    Project("learner-pathway-progress", "2.1.0"),  # 6
    Project("modoboa-radicale", "1.7.3"),  # 5
    Project("arches-her", "1.1.0"),  # 4
    Project("wagtail-review", "0.5"),  # 4
    Project("django-pyas2", "1.2.3"),  # 3
    Project("modoboa-dmarc", "1.3.0"),  # 3
    Project("super-csv", "5.0.0"),  # 3
    Project("wagtailstreamforms", "5.3.0"),  # 3
    Project("django-newsfeed", "1.0.0"),  # 2
    Project("edx-bulk-grades", "2.0.0"),  # 2
    Project("pinax-notifications", "6.0.0"),  # 2
    Project("modoboa-amavis", "1.5.1"),  # 1
    Project("wagtail-newsletter", "0.2.4"),  # 1
    # Alliance Auth apps (after the django-esi and django-eveuniverse libraries they use),
    # NetBox and Nautobot plugins, more reusable apps.
    Project("django-esi", "10.0.0"),  # 13
    Project("django-eveuniverse", "2.2.0"),  # 12
    Project("allianceauth-corptools", "3.5.1"),  # 147
    Project("netbox-proxbox", "0.0.29.post6"),  # 112
    Project("aa-market-manager", "3.1.0"),  # 64
    Project("netbox-rpki", "0.2.5"),  # 60
    Project("netbox-contract", "2.5.0"),  # 52
    Project("aa-taxsystem", "5.1.0"),  # 43
    Project("netbox-nso-plugin", "1.13.0"),  # 36
    Project("netbox-routing", "0.5.1"),  # 35
    Project("netbox-aci-plugin", "0.5.0"),  # 34
    Project("netbox-certificates-plugin", "1.9.2"),  # 32
    Project("netbox-security", "1.6.9"),  # 32
    Project("aa-ledger", "4.1.0"),  # 31
    Project("aa-opcalendar", "4.0.1"),  # 29
    Project("netbox-ssl", "1.4.0"),  # 28
    Project("aa-incursions", "3.0.2"),  # 25
    Project("allianceauth-pve", "2.0.0"),  # 24
    Project("netbox-config-backup", "2.2.2"),  # 23
    Project("allianceauth-securegroups", "0.10.2"),  # 22
    Project("aa-memberaudit", "5.3.0"),  # 21
    Project("django-tenants", "4.0.1", prefer="sdist"),  # 20
    Project("netbox-librenms-plugin", "0.4.8"),  # 20
    Project("aa-buybackprogram", "3.1.0"),  # 19
    Project("aa-forum", "3.3.1"),  # 19
    Project("netbox-interface-name-rules", "1.10.1"),  # 19
    Project("netbox-ping", "2.7.0"),  # 19
    Project("arches-lingo", "1.1.1"),  # 18
    Project("netbox-cesnet-services-plugin", "4.1.0"),  # 18
    Project("aa-skillfarm", "4.1.0"),  # 17
    Project("allianceauth-discordbot", "5.0.1"),  # 17
    Project("allianceauth-imicusfat", "1.4.2"),  # 17
    Project("django-import-export", "4.4.3", prefer="sdist"),  # 17
    Project("aa-fleetpings", "4.1.2"),  # 16
    Project("aa-drifters", "0.5.1"),  # 15
    Project("aa-miningtaxes", "2.0.4"),  # 15
    Project("django-survey-and-report", "1.5.0"),  # 15
    Project("nautobot-app-intent-networking", "2.0.17"),  # 15
    Project("netbox-ddns", "1.8.0"),  # 15
    Project("aa-killtracker", "2.1.0"),  # 14
    Project("nautobot-cable-utils", "3.0.0"),  # 14
    Project("netbox-dhcp-kea-plugin", "0.10.4"),  # 14
    Project("aa-metenox", "2.2.3"),  # 13
    Project("netbox-floorplan-plugin", "0.10.0"),  # 13
    Project("aa-killstats", "4.0.1"),  # 12
    Project("django-nyt", "1.6.0"),  # 12
    Project("netbox-config-diff", "2.17.0"),  # 12
    Project("arches-controlled-lists", "1.2.0"),  # 11
    Project("netbox-notices", "1.3.0"),  # 11
    Project("aa-standingsrequests", "3.1.0"),  # 10
    Project("allianceauth-invoices", "0.1.9"),  # 10
    Project("nautobot-contract-models", "2026.5.17"),  # 10
    Project("netbox-plugin-applications", "0.13.0"),  # 10
    Project("netbox-slm", "1.9.0"),  # 10
    Project("aa-structures", "4.1.0"),  # 9
    Project("nautobot-evpn", "1.0.0"),  # 9
    Project("nautobot-sfp-inventory", "1.1.4"),  # 9
    Project("netbox-data-flows", "1.6.0"),  # 9
    Project("netbox-load-balancing", "1.4.3"),  # 9
    Project("wagtail-blog", "2.3.5"),  # 9
    Project("aa-structuretimers", "3.2.0"),  # 8
    Project("netbox-wdm", "0.2.2"),  # 8
    Project("aa-bulletin-board", "3.2.1"),  # 7
    Project("aa-contacts", "1.0.2"),  # 7
    Project("aa-moonmining", "3.2.0"),  # 7
    Project("arches-for-science", "2.0.4"),  # 7
    Project("django-fsm-log", "5.0.2", prefer="sdist"),  # 7
    Project("django-pghistory", "3.9.2", prefer="sdist"),  # 7
    Project("django-simple-history", "3.13.0", prefer="sdist"),  # 7
    Project("django-user-accounts", "3.3.2"),  # 7
    Project("nautobot-version-control", "0.1.0"),  # 7
    Project("netbox-authorized-keys", "4.1.0"),  # 7
    Project("netbox-firmware", "4.4.2"),  # 7
    Project("aa-discord-announcements", "3.1.2"),  # 6
    Project("aa-inactivity", "3.1.0"),  # 6
    Project("aa-moonstuff", "2.0.4"),  # 6
    Project("aa-statistics", "0.2.1"),  # 6
    Project("eox-tenant", "14.4.0"),  # 6
    Project("nautobot-app-broadcast", "0.4.3"),  # 6
    Project("nautobot-dns-records", "0.5.1"),  # 6
    Project("nautobot-welcome-wizard", "3.0.1"),  # 6
    Project("netbox-license", "2.5.4"),  # 6
    Project("aa-standingssync", "3.2.0"),  # 5
    Project("aa-timezones", "3.2.2"),  # 5
    Project("django-tables2", "3.0.1", prefer="sdist"),  # 5
    Project("nautobot-app-routing-tables", "1.3.0"),  # 5
    Project("netbox-dlm", "0.10.2"),  # 5
    Project("netbox-plugin-dhcp", "0.2.0"),  # 5
    Project("netbox-secretstore", "1.4.1"),  # 5
    Project("netbox-tunnels2", "0.2.9"),  # 5
    Project("netbox-validity", "3.6.1"),  # 5
    Project("aa-blueprints", "3.1.0"),  # 4
    Project("aa-charlink", "1.14.0"),  # 4
    Project("aa-industry", "0.2.2"),  # 4
    Project("nautobot-app-printer-models", "2026.7.3"),  # 4
    Project("pinax-teams", "3.0.1"),  # 4
    Project("aa-fleetfinder", "4.2.0"),  # 3
    Project("aa-freight", "3.1.0"),  # 3
    Project("aa-srp", "5.3.0"),  # 3
    Project("allianceauth-afat", "6.3.0"),  # 3
    Project("django-payments", "4.1.0", prefer="sdist"),  # 3
    Project("django-postgres-extra", "3.0.1", prefer="sdist"),  # 3
    Project("django-rq", "4.2.0", prefer="sdist"),  # 3
    Project("django-typed-models", "0.17.0", prefer="sdist"),  # 3
    Project("kiwitcms-github-app", "2.1.0"),  # 3
    Project("nautobot-fsus", "3.0.2"),  # 3
    Project("nautobot-igp-models", "0.2.0"),  # 3
    # Applications.
    Project("openedx-core", "1.15.2"),  # 85
    Project("wafer", "0.17.0"),  # 56
    Project("papermerge", "1.3.0"),  # 15
    Project("rapidsms", "2.2.0"),  # 13
    Project("papermerge-core", "2.1.5"),  # 9
    Project("mayan-edms", "4.12.2"),  # 531
    Project("tendenci", "16.30"),  # 459
    Project("edx-enterprise", "8.18.0"),  # 446
    Project("pretix", "2026.8.0"),  # 431
    Project("saleor", "2.10.1"),  # 418
    Project("geonode", "5.1.1"),  # 393
    Project("nautobot", "3.2.7"),  # 385
    Project("rdmo", "2.5.2"),  # 365
    Project("sentry", "23.7.1"),  # 332
    Project("netbox", "4.7.3"),  # 297
    Project("arches", "8.1.5"),  # 282
    Project("pretalx", "2026.2.1"),  # 240
    Project("kolibri", "0.19.5"),  # 237
    Project("label-studio", "1.23.2"),  # 228
    Project("django-crm", "1.35.0"),  # 221
    Project("shuup", "3.1.0"),  # 217
    Project("weblate", "2026.10.1"),  # 206
    Project("allianceauth", "5.5.0"),  # 206
    Project("evap", "2026.10.0"),  # 194
    Project("pootle", "2.8.2", prefer="sdist"),  # 193
    Project("waldur-mastermind", "4.5.1"),  # 166
    Project("devilry", "6.7.1", prefer="sdist"),  # 145
    Project("vulnerablecode", "40.2.0"),  # 144
    Project("modoboa", "2.12.0"),  # 139
    Project("openslides", "3.3", prefer="sdist"),  # 133
    Project("orchestra", "1.0.61"),  # 106
    Project("ephios", "0.27.1"),  # 97
    Project("openwisp-controller", "1.3.2"),  # 97
    Project("doccano", "1.8.4"),  # 92
    Project("misago", "0.39.6"),  # 92
    Project("evennia", "6.1.0"),  # 90
    Project("tomtoolkit", "3.1.0"),  # 89
    Project("froide", "5.0.0"),  # 88
    Project("byro", "2026.4.0"),  # 86
    Project("creme-crm", "2.8.6"),  # 84
    Project("scancodeio", "38.2.0"),  # 84
    Project("patchman", "4.0.21"),  # 81
    Project("wger", "2.1"),  # 81
    Project("pulpcore", "3.123.1"),  # 80
    Project("waldur-core", "0.161.4"),  # 80
    Project("nitrate-tcms", "4.13"),  # 79
    Project("pulp-rpm", "3.39.4"),  # 76
    Project("galaxy-ng", "4.9.2"),  # 70
    Project("richie", "3.5.1"),  # 70
    Project("django-ansible-base", "2026.10.26"),  # 63
    Project("coderedcms", "6.0.0"),  # 60
    Project("django-spirit", "0.14.3", prefer="sdist"),  # 60
    Project("fiduswriter", "4.1.23"),  # 59
    Project("kiwitcms", "12.4"),  # 57
    Project("edx-enterprise-data", "10.22.14"),  # 55
    Project("django-councilmatic", "3.3"),  # 54
    Project("django-hordak", "2.0.0", prefer="sdist"),  # 54
    Project("openwisp-radius", "1.3.3"),  # 54
    Project("pulp-container", "2.30.0"),  # 51
    Project("bitcaster", "3.1.2"),  # 49
    Project("opal", "0.23.0"),  # 46
    Project("openstates", "6.26.4"),  # 46
    Project("django-netjsonconfig", "0.12"),  # 44
    Project("pulp-deb", "3.11.1"),  # 43
    Project("apidev-coop-cms", "1.6.17"),  # 41
    Project("django-machina", "1.3.1"),  # 41
    Project("askbot", "0.13.0"),  # 40
    Project("swh-web", "0.17.13"),  # 40
    Project("django-peeringdb", "3.7.0"),  # 37
    Project("opencivicdata", "3.4.0"),  # 37
    Project("django-crm-admin", "3.1.0"),  # 36
    Project("openwisp-monitoring", "1.3"),  # 34
    Project("django-lfs", "0.11", prefer="sdist"),  # 32
    Project("pulp-ansible", "0.30.3"),  # 31
    Project("pulp-2to3-migration", "0.17.0"),  # 31
    Project("django-ledger", "0.8.5"),  # 30
    Project("umap-project", "3.8.1"),  # 29
    Project("coldfront", "1.1.10"),  # 28
    Project("eoxserver", "1.5.5"),  # 27
    Project("corgy-erp", "5.1.2"),  # 26
    Project("pulp-python", "3.37.1"),  # 26
    Project("hyperkitty", "1.3.12"),  # 24
    Project("mezzanine", "6.1.1"),  # 22
    Project("wirecloud", "1.3.1"),  # 21
    Project("ara", "1.8.0"),  # 20
    Project("openwisp-network-topology", "1.3.1"),  # 20
    Project("postorius", "1.3.13"),  # 19
    Project("openwisp-firmware-upgrader", "1.3.1"),  # 17
    Project("tethys-platform", "4.6.1"),  # 17
    Project("pulp-maven", "0.36.0"),  # 15
    Project("django-polaris", "2.6.0"),  # 14
    Project("pulp-gem", "0.8.0"),  # 13
    Project("kobo", "0.42.0"),  # 12
    Project("cartridge", "1.3.4"),  # 10
    Project("pulp-ostree", "2.6.1"),  # 8
    Project("pupa", "0.11.0"),  # 7
    Project("pulp-npm", "0.10.2"),  # 7
    Project("graphite-web", "1.1.10"),  # 5
    # OLDER RELEASES of projects listed above (see the module docstring): they squashed, reset
    # or moved their migrations, so these releases hold real files the main release no longer
    # ships. Only files absent from the main release (by path) and not near duplicates are kept.
    Project("sentry", "21.5.0", supplement_of="sentry", note="sentry 0001-0200 before squash"),
    Project(
        "weblate",
        "4.18.2",
        prefer="sdist",
        supplement_of="weblate",
        note="before the Weblate 5 squash",
    ),
    Project(
        "weblate",
        "3.11.1",
        prefer="sdist",
        supplement_of="weblate",
        note="before the Weblate 4 squash",
    ),
    Project(
        "weblate",
        "2.20",
        prefer="sdist",
        supplement_of="weblate",
        note="before the Weblate 3 squash",
    ),
    Project(
        "waldur-mastermind",
        "4.0.7",
        supplement_of="waldur-mastermind",
        note="before the Waldur 4.1 squash",
    ),
    Project("waldur-mastermind", "3.0.2", supplement_of="waldur-mastermind"),
    Project(
        "wagtail",
        "2.16.3",
        prefer="sdist",
        supplement_of="wagtail",
        note="wagtail.core etc. before Wagtail 3 moved them",
    ),
    Project(
        "wagtail",
        "1.13.4",
        prefer="sdist",
        supplement_of="wagtail",
        note="wagtail.wagtail* apps before Wagtail 2",
    ),
    Project(
        "edx-enterprise", "3.0.0", supplement_of="edx-enterprise", note="before the 2020 squashes"
    ),
    Project("pulpcore", "3.20.0", supplement_of="pulpcore", note="before 0001_squashed_0090"),
    Project("pulp-ansible", "0.15.0", supplement_of="pulp-ansible", note="before the squashes"),
    Project("django-crm", "0.9.0", supplement_of="django-crm", note="before the 1.x rewrite"),
    Project("creme-crm", "2.7.4", supplement_of="creme-crm", note="squashed in 2.8"),
    Project("creme-crm", "2.6.11", supplement_of="creme-crm", note="squashed in 2.7"),
    Project("creme-crm", "2.5.15", supplement_of="creme-crm", note="squashed in 2.6"),
    Project("creme-crm", "2.3.18", supplement_of="creme-crm", note="squashed in 2.4"),
    Project("geonode", "3.3.3", supplement_of="geonode"),
    Project("geonode", "2.10.4", supplement_of="geonode"),
    Project("netbox-plugin-dns", "0.22.0", supplement_of="netbox-plugin-dns"),
    Project("django-ca", "1.22.0", supplement_of="django-ca", note="before 0001_squashed_0052"),
    Project("openwisp-monitoring", "0.1", supplement_of="openwisp-monitoring"),
]


# --------------------------------------------------------------------------------------------
# Paths


def is_migration_path(path: str) -> bool:
    """True for ``*/migrations/*.py`` other than ``__init__.py``."""
    parts = PurePosixPath(path).parts
    return (
        len(parts) >= 2
        and parts[-2] == "migrations"
        and parts[-1].endswith(".py")
        and parts[-1] != "__init__.py"
        and not parts[-1].startswith(".")
    )


def is_python_path(path: str) -> bool:
    """True for any ``*.py`` file (not a hidden one)."""
    name = PurePosixPath(path).name
    return name.endswith(".py") and not name.startswith(".")


def safe_relpath(path: str) -> PurePosixPath | None:
    """The archive member path as a relative path, or None if it tries to escape."""
    p = PurePosixPath(path.replace("\\", "/").lstrip("/"))
    if not p.parts or any(part in ("", ".", "..") for part in p.parts):
        return None
    return p


def package_key(member: str, is_sdist: bool) -> str:
    """A path that is comparable between two releases of a project.

    Drops the sdist's top folder (``name-version/``) and a leading ``src/``.
    """
    parts = list(PurePosixPath(member).parts)
    if is_sdist and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[0] == "src":
        parts = parts[1:]
    return "/".join(parts)


# --------------------------------------------------------------------------------------------
# PyPI


def http_get(url: str, timeout: float = 120.0, attempts: int = 4) -> bytes:
    """GET with a few retries on transient failures."""
    delay = 2.0
    for attempt in range(1, attempts + 1):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                data: bytes = resp.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404, 410) or attempt == attempts:
                raise
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
            if attempt == attempts:
                raise
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


_json_cache: dict[str, dict[str, object]] = {}


def release_files(name: str, version: str) -> list[dict[str, object]]:
    """The files PyPI lists for ``name==version`` (from the project JSON, which the per-version
    endpoint does not always mirror). URLs are made absolute."""
    if name not in _json_cache:
        url = PYPI_JSON.format(name=name)
        _json_cache[name] = {"url": url, "data": json.loads(http_get(url))}
    cached = _json_cache[name]
    data = cached["data"]
    assert isinstance(data, dict)
    releases = data.get("releases") or {}
    files = releases.get(version)
    if not files:
        known = ", ".join(list(releases)[-5:])
        raise LookupError(f"{name} {version} not found on PyPI (latest: {known})")
    out = []
    for f in files:
        f = dict(f)
        f["url"] = urllib.parse.urljoin(str(cached["url"]), str(f["url"]))
        out.append(f)
    return out


def choose_file(files: list[dict[str, object]], prefer: str) -> dict[str, object]:
    """Pick the wheel or the sdist, as preferred; pure-Python wheels first."""
    wheels = [f for f in files if str(f["filename"]).endswith(".whl")]
    wheels.sort(key=lambda f: (not str(f["filename"]).endswith("-none-any.whl"), f["filename"]))
    sdists = [
        f
        for f in files
        if str(f["filename"]).endswith((".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz"))
        and f.get("packagetype") == "sdist"
    ]
    ordered = wheels + sdists if prefer == "wheel" else sdists + wheels
    if not ordered:
        names = ", ".join(str(f["filename"]) for f in files)
        raise LookupError(f"no wheel or sdist among: {names}")
    return ordered[0]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(project: Project, archives: Path) -> Path:
    """Download the chosen distribution file of ``project`` (verified), return its path."""
    archives.mkdir(parents=True, exist_ok=True)
    try:
        chosen = choose_file(release_files(project.name, project.version), project.prefer)
    except (OSError, urllib.error.URLError, LookupError, ValueError) as exc:
        print(f"  {project.dirname}: PyPI JSON failed ({exc}); trying pip download", flush=True)
        return pip_download(project, archives)
    dest = archives / str(chosen["filename"])
    digests = chosen.get("digests") or {}
    expected = digests.get("sha256") if isinstance(digests, dict) else None
    if dest.exists() and (expected is None or sha256_file(dest) == expected):
        return dest
    part = dest.with_name(dest.name + ".part")
    try:
        part.write_bytes(http_get(str(chosen["url"]), timeout=600))
    except (OSError, urllib.error.URLError) as exc:
        part.unlink(missing_ok=True)
        print(f"  {project.dirname}: download failed ({exc}); trying pip download", flush=True)
        return pip_download(project, archives)
    if expected is not None and sha256_file(part) != expected:
        part.unlink()
        raise ValueError(f"sha256 mismatch for {dest.name}")
    part.replace(dest)
    return dest


def pip_download(project: Project, archives: Path) -> Path:
    """Fallback: ``pip download --no-deps`` of the exact version into ``archives``."""
    with tempfile.TemporaryDirectory(dir=archives) as tmp:
        kind = "--only-binary=:all:" if project.prefer == "wheel" else "--no-binary=:all:"
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-build-isolation",
            kind,
            "-d",
            tmp,
            f"{project.name}=={project.version}",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            # Try the other kind of distribution before giving up.
            other = "--no-binary=:all:" if kind.startswith("--only") else "--only-binary=:all:"
            cmd[cmd.index(kind)] = other
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pip download failed: {result.stderr.strip()[-500:]}")
        files = sorted(Path(tmp).iterdir())
        if not files:
            raise RuntimeError("pip download produced no file")
        dest = archives / files[0].name
        shutil.move(str(files[0]), dest)
        return dest


# --------------------------------------------------------------------------------------------
# Archives


def is_sdist(archive: Path) -> bool:
    return not archive.name.endswith(".whl")


def iter_archive(archive: Path, every_py: bool = False) -> Iterator[tuple[str, bytes]]:
    """Yield ``(member path, bytes)`` for every migration file in a wheel/zip or tarball
    (with ``every_py``, for every ``.py`` file)."""
    wanted = is_python_path if every_py else is_migration_path
    name = archive.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir() and wanted(info.filename):
                    yield info.filename, zf.read(info)
    else:
        with tarfile.open(archive) as tf:
            for member in tf:
                if member.isfile() and wanted(member.name):
                    fh = tf.extractfile(member)
                    if fh is not None:
                        yield member.name, fh.read()


def archive_keys(archive: Path) -> set[str]:
    """Package-relative paths of the migrations in ``archive``."""
    return {package_key(m, is_sdist(archive)) for m, _ in iter_archive(archive)}


# --------------------------------------------------------------------------------------------
# De-duplication

NEAR_DUPLICATE_RATIO = 0.9
# File names that say nothing about the content: compared only within the same app folder.
_GENERIC_NAME = re.compile(
    r"^\d{4}_(initial|merge|auto|data|initial_data|squashed|update|fix|migration)\.py$"
)
_SKIPPED_TOKENS = {
    tokenize.ENCODING,
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}


def is_south(data: bytes) -> bool:
    """South (pre-Django 1.7) migrations also live in ``migrations/``: not Django migrations."""
    head = data[:4000]
    return b"from south" in head or b"import south" in head


def bucket_key(member: str) -> str:
    """Files that may be near-duplicates share a key: the file name (``0040_page_draft_title.py``
    is distinctive), qualified by the app folder for generic names like ``0001_initial.py``."""
    parts = PurePosixPath(member).parts
    name = parts[-1]
    if _GENERIC_NAME.match(name) and len(parts) >= 3:
        return f"{parts[-3]}/{name}"
    return name


def normalized_tokens(data: bytes) -> list[str]:
    """The file's tokens without layout, comments, quote style or trailing commas, so that a
    file reformatted by black compares equal to the original."""
    out: list[str] = []
    try:
        for tok in tokenize.tokenize(io.BytesIO(data).readline):
            if tok.type in _SKIPPED_TOKENS:
                continue
            text = tok.string
            if tok.type == tokenize.STRING:
                with contextlib.suppress(ValueError, SyntaxError, MemoryError, RecursionError):
                    text = repr(ast.literal_eval(text))
            elif text in (")", "]", "}") and out and out[-1] == ",":
                out.pop()
            out.append(text)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        text = data.decode("utf-8", "replace")
        return [line.strip() for line in text.splitlines() if line.strip()]
    return out


class Deduper:
    """Remembers the corpus' files to refuse exact and near duplicates.

    Near duplicate: a file with the same bucket key as a file already kept from ANOTHER release
    whose normalized tokens are at least ``NEAR_DUPLICATE_RATIO`` similar (difflib), e.g. the
    same migration in a release that moved the app and reformatted its code
    (``wagtail/core/migrations/...`` -> ``wagtail/migrations/...``), or an app vendored by
    another project with a changed import. Alike files of two apps of ONE release are kept:
    they are distinct files of that code base.
    """

    def __init__(self) -> None:
        self.hashes: set[str] = set()
        self.buckets: dict[str, list[tuple[str, list[str]]]] = {}

    def classify(self, member: str, data: bytes, release: str) -> str:
        """``"exact"``, ``"near"`` (to a file of another release) or ``"new"``."""
        if hashlib.sha256(data).hexdigest() in self.hashes:
            return "exact"
        candidates = self.buckets.get(bucket_key(member))
        if candidates:
            matcher = difflib.SequenceMatcher(autojunk=False)
            matcher.set_seq2(normalized_tokens(data))
            for other_release, other in candidates:
                if other_release == release:
                    continue  # two apps of one release: distinct files, however alike
                matcher.set_seq1(other)
                if (
                    matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO
                    and matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
                    and matcher.ratio() >= NEAR_DUPLICATE_RATIO
                ):
                    return "near"
        return "new"

    def add(self, member: str, data: bytes, release: str) -> None:
        self.hashes.add(hashlib.sha256(data).hexdigest())
        entry = (release, normalized_tokens(data))
        self.buckets.setdefault(bucket_key(member), []).append(entry)


# --------------------------------------------------------------------------------------------
# Extraction


@dataclass
class Result:
    project: Project
    files: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    south: int = 0
    skipped_present_in_main: int = 0
    archive: str = ""
    error: str = ""
    cached: bool = False
    # The full corpus (--with-sources) only: the release's migrations written for context
    # (left out of the corpus's migrations above), its other .py files, and their bytes.
    context: int = 0
    sources: int = 0
    source_bytes: int = 0


def extract(
    project: Project,
    archive: Path,
    out_dir: Path,
    dedup: Deduper,
    exclude_keys: set[str] | None = None,
    with_sources: bool = False,
) -> Result:
    """Write the migrations of ``archive`` below ``out_dir``, skipping South migrations, exact
    and near duplicates of files already in ``dedup`` (updated), and, for a supplement, the
    package-relative paths in ``exclude_keys``. With ``with_sources``, the skipped migrations
    (South ones excepted) are written too, as context, and so is every other ``.py`` file; the
    choice of the corpus's migrations is the same."""
    result = Result(project, archive=archive.name)
    tmp_dir = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp_dir, ignore_errors=True)
    tmp_dir.mkdir(parents=True)
    sdist = is_sdist(archive)
    kept: list[str] = []
    context: list[str] = []

    def write(rel: PurePosixPath, data: bytes) -> None:
        target = tmp_dir.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    for member, data in sorted(iter_archive(archive, every_py=with_sources)):
        rel = safe_relpath(member)
        if rel is None:
            continue
        if not is_migration_path(member):  # with_sources only
            write(rel, data)
            result.sources += 1
            result.source_bytes += len(data)
            continue
        if is_south(data):
            result.south += 1
            continue
        skipped = True
        if exclude_keys is not None and package_key(member, sdist) in exclude_keys:
            result.skipped_present_in_main += 1
        else:
            kind = dedup.classify(member, data, project.dirname)
            if kind == "exact":
                result.duplicates += 1
            elif kind == "near":
                result.near_duplicates += 1
            else:
                skipped = False
        if skipped:
            if with_sources:
                write(rel, data)
                context.append(rel.as_posix())
                result.context += 1
            continue
        dedup.add(member, data, project.dirname)
        write(rel, data)
        kept.append(rel.as_posix())
        result.files += 1
    info: dict[str, object] = {
        "project": project.name,
        "version": project.version,
        "files": result.files,
        "duplicates": result.duplicates,
        "near_duplicates": result.near_duplicates,
        "south": result.south,
        "skipped_present_in_main": result.skipped_present_in_main,
        "archive": archive.name,
        "supplement_of": project.supplement_of,
        "keys": sorted(archive_keys(archive)),
    }
    if with_sources:
        info.update(
            with_sources=True,
            migrations=kept,
            context=context,
            sources=result.sources,
            source_bytes=result.source_bytes,
        )
    (tmp_dir / DONE_MARKER).write_text(json.dumps(info, indent=1) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp_dir.replace(out_dir)
    return result


def read_marker(out_dir: Path, with_sources: bool | None = None) -> dict[str, object] | None:
    """The ``.done`` marker of a release folder, None if absent, unreadable or (when
    ``with_sources`` is given) of the other kind of corpus."""
    marker = out_dir / DONE_MARKER
    if not marker.is_file():
        return None
    try:
        info = json.loads(marker.read_text())
    except ValueError:
        return None
    if not isinstance(info, dict):
        return None
    if with_sources is not None and bool(info.get("with_sources")) != with_sources:
        return None
    return info


def corpus_migrations(out_dir: Path, info: dict[str, object]) -> list[str]:
    """The corpus's migrations of a release folder (relative paths), context ones excluded."""
    listed = info.get("migrations")
    if isinstance(listed, list):
        return [str(m) for m in listed]
    return sorted(
        path.relative_to(out_dir).as_posix()
        for path in out_dir.rglob("*.py")
        if is_migration_path(path.relative_to(out_dir).as_posix())
    )


def context_migrations(corpus: Path) -> set[Path]:
    """The context migrations of a full corpus (resolved paths; none in a migrations corpus)."""
    out: set[Path] = set()
    for marker in sorted(corpus.glob(f"*/{DONE_MARKER}")):
        info = read_marker(marker.parent)
        listed = info.get("context") if info else None
        if isinstance(listed, list):
            out.update((marker.parent / str(rel)).resolve() for rel in listed)
    return out


def load_done(
    out_dir: Path,
    project: Project,
    dedup: Deduper | None = None,
    with_sources: bool | None = None,
) -> Result | None:
    """The Result of a project extracted earlier (None if not done, or done for the other kind
    of corpus); its migrations go to ``dedup``."""
    info = read_marker(out_dir, with_sources)
    if info is None:
        return None
    if dedup is not None:
        for rel in corpus_migrations(out_dir, info):
            dedup.add(rel, (out_dir / rel).read_bytes(), project.dirname)
    return Result(
        project,
        files=int(info.get("files", 0)),
        duplicates=int(info.get("duplicates", 0)),
        near_duplicates=int(info.get("near_duplicates", 0)),
        south=int(info.get("south", 0)),
        skipped_present_in_main=int(info.get("skipped_present_in_main", 0)),
        archive=str(info.get("archive", "")),
        cached=True,
        context=len(info.get("context") or ()),
        sources=int(info.get("sources", 0)),
        source_bytes=int(info.get("source_bytes", 0)),
    )


def write_manifest(corpus: Path, results: Iterable[Result], with_sources: bool = False) -> Path:
    header = "project\tversion\tfiles\texact_dups\tnear_dups\tsouth\tarchive\tnote"
    if with_sources:
        header += "\tcontext_migrations\tother_py_files\tother_py_bytes"
    lines = [f"# {header}"]
    for r in results:
        note = r.project.note
        if r.project.supplement_of:
            note = (
                f"OLDER RELEASE of {r.project.supplement_of}, supplement: only migrations absent"
                f" from the main release ({r.skipped_present_in_main} present there skipped)"
                + (f"; {note}" if note else "")
            )
        if r.error:
            note = f"ERROR: {r.error}"
        row = (
            f"{r.project.name}\t{r.project.version}\t{r.files}\t{r.duplicates}\t"
            f"{r.near_duplicates}\t{r.south}\t{r.archive}\t{note}"
        )
        if with_sources:
            row += f"\t{r.context}\t{r.sources}\t{r.source_bytes}"
        lines.append(row)
    path = corpus / MANIFEST
    path.write_text("\n".join(lines) + "\n")
    return path


def count_files(corpus: Path, projects: Iterable[Project]) -> int:
    """The corpus's migration files on disk for ``projects`` (context ones excluded)."""
    total = 0
    for p in projects:
        folder = corpus / p.dirname
        info = read_marker(folder) or {}
        total += sum(1 for rel in corpus_migrations(folder, info) if (folder / rel).is_file())
    return total


# --------------------------------------------------------------------------------------------
# Main


def select(projects: list[Project], only: list[str] | None) -> list[Project]:
    """The projects named in ``only`` (all if None), plus the main release of a supplement."""
    if not only:
        return list(projects)
    wanted = {n.lower() for n in only}
    chosen = {p for p in projects if p.name.lower() in wanted or p.dirname.lower() in wanted}
    known = {p.name.lower() for p in projects} | {p.dirname.lower() for p in projects}
    missing = wanted - known
    if missing:
        raise SystemExit(f"unknown project(s): {', '.join(sorted(missing))}")
    mains = {p.supplement_of for p in chosen if p.supplement_of}
    chosen |= {p for p in projects if p.supplement_of is None and p.name in mains}
    return [p for p in projects if p in chosen]


def line(result: Result) -> str:
    """One line of the per-project report."""
    r = result
    bits = []
    if r.cached:
        bits.append("already fetched")
    if r.duplicates:
        bits.append(f"{r.duplicates} exact duplicates skipped")
    if r.near_duplicates:
        bits.append(f"{r.near_duplicates} near duplicates skipped")
    if r.south:
        bits.append(f"{r.south} South migrations skipped")
    if r.project.supplement_of:
        bits.append(
            f"OLDER RELEASE of {r.project.supplement_of}, supplement: "
            f"{r.skipped_present_in_main} files also in the main release skipped"
        )
    if r.context:
        bits.append(f"{r.context} of them written as context")
    if r.sources:
        bits.append(f"{r.sources} other .py files, {r.source_bytes / 1e6:.1f} MB")
    extra = f"  ({'; '.join(bits)})" if bits else ""
    return f"  {r.project.dirname:<42} {r.files:>6} files{extra}"


def fetch(
    corpus: Path,
    projects: list[Project],
    *,
    archives: Path | None = None,
    force: bool = False,
    keep_archives: bool = False,
    jobs: int = 4,
    with_sources: bool = False,
) -> list[Result]:
    """Download and extract ``projects`` into ``corpus``; return one Result per project."""
    corpus.mkdir(parents=True, exist_ok=True)
    archives = archives or corpus / "_archives"
    dedup = Deduper()
    todo = [p for p in projects if force or read_marker(corpus / p.dirname, with_sources) is None]

    # Everything already in the corpus takes part in de-duplication, in PROJECTS order.
    done: dict[Project, Result] = {}
    for project in PROJECTS:
        if project not in todo:
            # (Tokenizing the corpus takes a while: only when there is something to add.)
            r = load_done(corpus / project.dirname, project, dedup if todo else None, with_sources)
            if r is not None:
                done[project] = r

    results: list[Result] = []
    keys: dict[Project, set[str]] = {}  # package-relative migration paths per release
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures: dict[Project, Future[Path]] = {p: pool.submit(download, p, archives) for p in todo}
        for project in projects:
            if project in done:
                result = done[project]
            else:
                try:
                    archive = futures[project].result()
                    keys[project] = archive_keys(archive)
                    exclude: set[str] | None = None
                    if project.supplement_of:
                        exclude = set()
                        for other in PROJECTS:
                            if other == project:
                                break
                            if other.name == project.supplement_of:
                                exclude |= keys.get(other) or stored_keys(corpus, other)
                    result = extract(
                        project, archive, corpus / project.dirname, dedup, exclude, with_sources
                    )
                    if not keep_archives:
                        archive.unlink(missing_ok=True)
                except Exception as exc:  # report and go on with the other projects
                    result = Result(project, error=f"{type(exc).__name__}: {exc}")
                    print(f"  {project.dirname:<42} FAILED: {result.error}", flush=True)
                    results.append(result)
                    continue
            results.append(result)
            print(line(result), flush=True)
    if not keep_archives:
        with contextlib.suppress(OSError):
            archives.rmdir()  # only if empty
    return results


def stored_keys(corpus: Path, project: Project) -> set[str]:
    """The package-relative migration paths recorded when ``project`` was extracted."""
    marker = corpus / project.dirname / DONE_MARKER
    if not marker.is_file():
        raise RuntimeError(f"{project.dirname} must be fetched before its supplements")
    return set(json.loads(marker.read_text()).get("keys", []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        help="where to put the corpus (default: benchmarks/.corpus, with"
        " --with-sources benchmarks/.corpus-full)",
    )
    parser.add_argument(
        "--with-sources",
        action="store_true",
        help="the full corpus: the same migrations, plus the releases' other"
        " migrations (as context) and all their other .py files",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="fetch only these projects")
    parser.add_argument("--force", action="store_true", help="re-extract projects already done")
    parser.add_argument(
        "--archives", type=Path, help="download cache (default: <corpus>/_archives)"
    )
    parser.add_argument(
        "--keep-archives",
        action="store_true",
        help="keep the downloaded archives (deleted after extraction otherwise)",
    )
    parser.add_argument("--jobs", type=int, default=4, help="parallel downloads (default 4)")
    parser.add_argument("--list", action="store_true", help="list the projects and exit")
    args = parser.parse_args(argv)

    if args.corpus is None:
        args.corpus = DEFAULT_FULL_CORPUS if args.with_sources else DEFAULT_CORPUS
    projects = select(PROJECTS, args.only)
    if args.list:
        for p in projects:
            tag = f"  OLDER RELEASE of {p.supplement_of} (supplement)" if p.supplement_of else ""
            print(f"{p.name}=={p.version}  [{p.prefer}]{tag}")
        return 0

    n_supp = sum(1 for p in projects if p.supplement_of)
    n_names = len({p.name for p in projects})
    print(f"Fetching {len(projects)} releases of {n_names} projects into {args.corpus}")
    if n_supp:
        print(
            f"Note: {n_supp} of them are OLDER releases of projects also fetched at their main"
            " version: those projects squashed, reset or moved their migrations, so the old"
            " release holds real migration files that the main release no longer ships. Only"
            " files absent from the main release (by path) and not near-duplicates of a file"
            " already in the corpus are kept from them."
        )
    started = time.perf_counter()
    results = fetch(
        args.corpus,
        projects,
        archives=args.archives,
        force=args.force,
        keep_archives=args.keep_archives,
        jobs=args.jobs,
        with_sources=args.with_sources,
    )

    # The manifest and the total are about the whole corpus, also with --only.
    by_project = {r.project: r for r in results}
    everything = []
    for p in PROJECTS:
        r = by_project.get(p) or load_done(args.corpus / p.dirname, p, None, args.with_sources)
        if r is not None:
            everything.append(r)
    manifest = write_manifest(args.corpus, everything, args.with_sources)
    ok = [r for r in everything if not r.error]
    total = sum(r.files for r in ok)
    on_disk = count_files(args.corpus, [r.project for r in ok])
    failed = [r for r in results if r.error]
    supp_files = sum(r.files for r in ok if r.project.supplement_of)
    print("-" * 72)
    print(
        f"total: {total} distinct migration files from {len({r.project.name for r in ok})}"
        f" projects ({len(ok)} releases; {supp_files} of the files come from"
        f" {sum(1 for r in ok if r.project.supplement_of)} older-release supplements)"
        f" in {time.perf_counter() - started:.0f}s"
    )
    if args.with_sources:
        print(
            f"full corpus: besides those, {sum(r.context for r in ok)} context migrations and"
            f" {sum(r.sources for r in ok)} other .py files"
            f" ({sum(r.source_bytes for r in ok) / 1e6:.0f} MB)"
        )
    if on_disk != total:
        print(f"warning: {on_disk} files on disk, the markers say {total}")
    print(f"manifest: {manifest}")
    if failed:
        print(f"{len(failed)} release(s) failed: " + ", ".join(r.project.dirname for r in failed))
    if total < TARGET_FILES:
        print(f"warning: fewer than the {TARGET_FILES} files targeted")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
