# packaging.mk - `make install`, which lays out the files of both packages
# (debian/rules and the RPM spec run it, so the list is kept here once), and
# the Debian and RPM packages from packaging/. The tests that build, lint,
# install, enable, remove and purge them are tests/integration/test_package_*.sh.

.PHONY: deb rpm installable

# Commands the packages ship: each is built as build/NAME by a rule of the
# Makefile (linked with $(LDFLAGS), for the packages' hardening) and has its
# manual page in docs/NAME.1. Adding one is adding its name here; the RPM
# also lists it in the spec's %files (one line there).
COMMANDS := pcapflow-top

PREFIX  ?= /usr
LIBDIR  ?= $(PREFIX)/lib/collectd
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# The file that pcapflow.conf's Include line loads the plugin through.
DATADIR ?= $(PREFIX)/share/collectd-pcapflow
CONFDIR ?= /etc/collectd/collectd.conf.d
INSTALL_BUILT := $(B)/pcapflow.so $(COMMANDS:%=$(B)/%)
MAN_PAGES     := docs/collectd-pcapflow.5 $(COMMANDS:%=docs/%.1)

installable: $(INSTALL_BUILT) ## build what make install installs (the packages' build step)

# pcapflow.conf is written only where there is none: an installed one is the
# operator's (the packages start from an empty DESTDIR). Its Include line
# names the loader where this install puts it.
install: $(INSTALL_BUILT) ## install plugin, loader, commands, man pages and the commented-out pcapflow.conf (DESTDIR, PREFIX)
	install -D -m 0644 $(B)/pcapflow.so $(DESTDIR)$(LIBDIR)/pcapflow.so
	install -D -m 0644 packaging/load.conf $(DESTDIR)$(DATADIR)/load.conf
	$(foreach c,$(COMMANDS),install -D -m 0755 $(B)/$(c) $(DESTDIR)$(BINDIR)/$(c) &&) true
	$(foreach m,$(MAN_PAGES),install -D -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)) &&) true
	test -e $(DESTDIR)$(CONFDIR)/pcapflow.conf || { mkdir -p $(DESTDIR)$(CONFDIR) && \
	  sed 's|/usr/share/collectd-pcapflow/|$(DATADIR)/|' collectd.conf.d/pcapflow.conf \
	    >$(DESTDIR)$(CONFDIR)/pcapflow.conf && chmod 0644 $(DESTDIR)$(CONFDIR)/pcapflow.conf; }

deb: ## build the Debian package with dpkg-buildpackage into build/deb/ and lint it
	scripts/build-deb.sh

rpm: ## build the RPM (and source RPM) with rpmbuild into build/rpm/
	scripts/build-rpm.sh
