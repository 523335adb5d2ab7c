# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version, sent in the User-Agent so TFE operators can tell our traffic apart.

A unit test keeps this equal to the version in galaxy.yml.
"""

from __future__ import annotations

COLLECTION_VERSION = "0.1.0"
