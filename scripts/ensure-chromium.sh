#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; install it when it is missing and
# we may (root). Playwright's own browser download is never used: it cannot work offline.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
    || echo "Could not install chromium: the browser tests will be skipped." >&2
else
  echo "chromium is not installed (sudo apt-get install chromium): the browser tests will be skipped." >&2
fi
exit 0
