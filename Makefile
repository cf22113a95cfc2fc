# packetd — plain Makefile: pkg-config for libraries, -MMD for header
# dependencies, strict warnings always on.

CC      ?= cc
PKGS    := libarchive sqlite3 inih jansson libxml-2.0 libcurl gnutls zlib libsystemd libmicrohttpd libxcrypt
# libetpan's .pc adds Debian's no-PIE link specs, which clash with the
# sanitizers: link it by name instead.
CFLAGS  ?= -O2 -g
# The project's own flags live apart from CFLAGS so that `make CFLAGS=...`
# (the sanitizer builds) can never drop the language level or the warnings.
WFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wformat=2 -Wno-format-nonliteral -MMD -MP
CPPFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += -letpan $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LDLIBS := -lcmocka

BUILD   ?= build
SRCS    := $(wildcard src/*.c)
LIBSRCS := $(filter-out src/main.c,$(SRCS))
OBJS    := $(LIBSRCS:src/%.c=$(BUILD)/obj/%.o)
UNITS   := $(wildcard tests/unit/test_*.c)
UNITBIN := $(UNITS:tests/unit/%.c=$(BUILD)/tests/%)

# Debian packages packetd needs to build, run and test.
BUILD_DEPS := build-essential pkg-config libetpan-dev libarchive-dev libsqlite3-dev \
              libinih-dev libjansson-dev libxml2-dev libcurl4-gnutls-dev libgnutls28-dev \
              libcmocka-dev zlib1g-dev libsystemd-dev sqlite3 tzdata libmicrohttpd-dev libcrypt-dev
TEST_DEPS  := python3 zip unzip jq curl openssl chromium fonts-noto-cjk nodejs npm
# Real servers for the transport tests (tests/servers/): IMAP, SFTP, SMTP.
TEST_DEPS  += dovecot-core dovecot-imapd dovecot-lmtpd dovecot-submissiond openssh-server \
              openssh-sftp-server opensmtpd swaks libnet-ssleay-perl gnutls-bin time util-linux
# Hardening: fuzzers (clang + its libFuzzer runtime), lint, valgrind.
TEST_DEPS  += clang libclang-rt-14-dev clang-tidy cppcheck valgrind mandoc
# make preview: screenshots of the report and notices.
TEST_DEPS  += chromium fonts-noto-cjk

.PHONY: all run test asan valgrind deps test-deps samples clean check-config install uninstall preview

# Installation (make install / make uninstall): DESTDIR and PREFIX as usual.
PREFIX         ?= /usr/local
SYSCONFDIR     ?= /etc
DATADIR        := $(PREFIX)/share/packetd
MANDIR         := $(PREFIX)/share/man
SYSTEMD_UNITDIR ?= $(SYSCONFDIR)/systemd/system

all: $(BUILD)/packetd

# Symbols bound at start (-z now): the sandbox helper's children then
# inherit packetd's bound calls instead of each resolving them again (and
# copying the pages they patch).
BINDNOW := -Wl,-z,now

$(BUILD)/packetd: $(BUILD)/obj/main.o $(BUILD)/libpacketd.a
	$(CC) $(WFLAGS) $(CFLAGS) $(LDFLAGS) $(BINDNOW) -o $@ $^ $(LDLIBS)

$(BUILD)/libpacketd.a: $(OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -c -o $@ $<

# Where an installed packetd finds the rules and templates that a config
# does not name: rebuilt when PREFIX changes.
$(BUILD)/obj/config.o: CPPFLAGS += -DPACKETD_DATADIR='"$(DATADIR)"'
$(BUILD)/obj/config.o: $(BUILD)/datadir.stamp
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(@D)
	@echo "$(DATADIR)" >$@.tmp; cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpacketd.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/libpacketd.a $(TEST_LDLIBS) $(LDLIBS)

# Installs what is missing (as root); otherwise says what to run.
deps:
	@tests/deps.sh $(BUILD_DEPS)

test-deps:
	@tests/deps.sh $(BUILD_DEPS) $(TEST_DEPS)

# The whole job on the embedded default over the packets in samples/.
run: deps
	$(MAKE) all
	tests/run-samples.sh $(BUILD)/packetd

test: test-deps
	$(MAKE) all units fuzz-build
	tests/run.sh $(BUILD)

.PHONY: units
units: $(UNITBIN)

asan:
	$(MAKE) BUILD=build-asan CC=gcc \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" all units

valgrind: all units
	PACKETD_VALGRIND=1 tests/run.sh $(BUILD)

samples:
	python3 samples/make_samples.py samples

check-config: all
	$(BUILD)/packetd check-config

# The report and the notices rendered in headless Chromium (CJK fonts):
# screenshots in $(BUILD)/preview/ (tests/preview/preview.sh).
preview: all
	tests/preview/preview.sh $(BUILD)

# ---- hardening (README "Hardening") ----
# libFuzzer targets (tests/fuzz/fuzz_*.c) over a clang ASan+UBSan build of
# the library in $(FUZZ_BUILD). fuzz-smoke: a few seconds each (also run by
# `make test` through tests/e2e/fuzz_smoke.sh); fuzz: FUZZ_SECONDS per target,
# corpora kept in $(FUZZ_BUILD)/corpus so runs build on each other.
FUZZ_BUILD   ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined
FUZZERS      := $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/fuzz_util.c,$(wildcard tests/fuzz/fuzz_*.c)))
.PHONY: fuzz-build fuzz fuzz-smoke lint soak test-asan valgrind-e2e

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_BUILD)/libpacketd.a
	$(MAKE) $(FUZZERS:%=$(FUZZ_BUILD)/%)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c $(FUZZ_BUILD)/libpacketd.a
	clang $(CPPFLAGS) $(WFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -Itests/fuzz -o $@ \
	  tests/fuzz/fuzz_$*.c tests/fuzz/fuzz_util.c $(FUZZ_BUILD)/libpacketd.a $(LDLIBS)

fuzz-smoke: fuzz-build
	FUZZ_SECONDS=5 tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZERS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_KEEP=1 tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZERS)

# cppcheck + clang-tidy (tests/lint/clang-tidy.yaml); `make test` runs the
# fast form (no static analyzer) through tests/e2e/lint.sh, CI the full one.
lint:
	tests/lint/lint.sh

# The whole suite again on the ASan+UBSan build (CI runs it after make test).
test-asan: asan
	PACKETD_SANITIZED=1 tests/run.sh build-asan

# The end-to-end pipeline under valgrind: no memory error, no leak (each
# packetd it runs leaves no "==PID==" line in its valgrind report; the
# warnings about system calls valgrind does not know, pidfd_open and
# Landlock's, are not errors). Its checks are shown
# too; the few that depend on wall-clock time (settle_seconds) can fail
# under valgrind's slowness without a memory fault.
valgrind-e2e: all
	@logs=$$(mktemp -d /tmp/packetd-vg.XXXXXX); \
	VG_LOGS=$$logs PACKETD_REAL=$(abspath $(BUILD))/packetd PACKETD=$(CURDIR)/tests/lint/vg-packetd.sh \
	  PACKETD_TOP=$(CURDIR) bash tests/e2e/pipeline.sh >$$logs/tap 2>&1; \
	grep '^not ok' $$logs/tap | sed 's/^/  (check) /'; \
	n=$$(ls $$logs/vg.*.log | wc -l); bad=$$(grep -l '^==[0-9]*== ' $$logs/vg.*.log | wc -l); \
	grep -l '^==[0-9]*== ' $$logs/vg.*.log | xargs -r -n1 head -n 30; rm -rf $$logs; \
	echo "valgrind-e2e: $$((n - bad)) passed, $$bad failed"; [ $$bad = 0 ]

# The whole-life simulator (tests/sim/, README "Simulator") on the ASan+UBSan
# build: SIM_SEEDS lives of SIM_STEPS steps each; SIM_HOURS > 0 keeps drawing
# new seeds for that long. A failing life is shrunk and saved in SIM_SAVE.
SIM_SEEDS ?= 1-10
SIM_STEPS ?= 80
SIM_HOURS ?= 0
SIM_SAVE  ?= /tmp
.PHONY: simulate
simulate: asan
	python3 tests/sim/sim.py --binary build-asan/packetd --seeds $(SIM_SEEDS) --steps $(SIM_STEPS) \
	  --hours $(SIM_HOURS) --save $(SIM_SAVE)

# Randomized kill-under-load (not part of make test): SOAK_ROUNDS rounds.
soak: all
	tests/faults/soak.sh $(BUILD)/packetd

# Screenshots of every page of the desk, taken by the browser test
# (tests/e2e/desk_browser.sh: headless chromium through puppeteer-core).
PREVIEW_DIR ?= $(BUILD)/preview
.PHONY: preview preview-desk
preview: preview-desk
preview-desk: all
	DESK_SHOTS=$(abspath $(PREVIEW_DIR)) PACKETD=$(abspath $(BUILD))/packetd PACKETD_TOP=$(CURDIR) \
	  bash tests/e2e/desk_browser.sh
	@echo "desk screenshots in $(PREVIEW_DIR)/desk-*.png"

clean:
	rm -rf build build-asan build-fuzz

# The binary, the man pages, the rules, findings, templates and example
# configs, the systemd units. An existing $(SYSCONFDIR)/packetd/packetd.conf
# is never overwritten.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(SYSCONFDIR)/packetd
	install -m 755 $(BUILD)/packetd $(DESTDIR)$(PREFIX)/bin/packetd
	install -m 644 src/packetd.8 $(DESTDIR)$(MANDIR)/man8/packetd.8
	install -m 644 src/packetd.conf.5 $(DESTDIR)$(MANDIR)/man5/packetd.conf.5
	install -m 644 config/requirements.ini config/findings.ini $(DESTDIR)$(DATADIR)/
	install -m 644 config/templates/* $(DESTDIR)$(DATADIR)/templates/
	sed -e 's|^rules = requirements.ini|rules = $(DATADIR)/requirements.ini|' \
	    -e 's|^templates = templates|templates = $(DATADIR)/templates|' \
	  config/packetd-servers.conf.example >$(DESTDIR)$(DATADIR)/packetd.conf.example
	chmod 644 $(DESTDIR)$(DATADIR)/packetd.conf.example
	for u in config/*.service.example; do \
	  n=$$(basename $$u .example); \
	  sed 's|/usr/local/bin/packetd|$(PREFIX)/bin/packetd|g' $$u >$(DESTDIR)$(SYSTEMD_UNITDIR)/$$n; \
	  chmod 644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$$n; \
	done
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/packetd/packetd.conf ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/packetd/packetd.conf (the new example is $(DATADIR)/packetd.conf.example)"; \
	else \
	  install -m 640 $(DESTDIR)$(DATADIR)/packetd.conf.example $(DESTDIR)$(SYSCONFDIR)/packetd/packetd.conf; \
	fi

# Removes what install put there, except the config, which is the admin's.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/packetd $(DESTDIR)$(MANDIR)/man8/packetd.8 \
	  $(DESTDIR)$(MANDIR)/man5/packetd.conf.5
	rm -rf $(DESTDIR)$(DATADIR)
	for u in config/*.service.example; do rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/$$(basename $$u .example); done

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d $(FUZZ_BUILD)/*.d)
