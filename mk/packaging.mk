# packaging.mk - Debian and RPM packages from packaging/. The tests that
# build, lint, install and remove them are tests/integration/test_package_*.sh.

.PHONY: deb rpm

deb: ## build the Debian package with dpkg-buildpackage into build/deb/ and lint it
	scripts/build-deb.sh

rpm: ## build the RPM (and source RPM) with rpmbuild into build/rpm/
	scripts/build-rpm.sh
