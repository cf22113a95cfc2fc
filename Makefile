# packetd — plain Makefile: pkg-config for libraries, -MMD for header
# dependencies, strict warnings always on.

CC      ?= cc
PKGS    := libarchive sqlite3 inih jansson libxml-2.0 libcurl gnutls zlib
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
              libcmocka-dev zlib1g-dev sqlite3 tzdata
TEST_DEPS  := python3 zip unzip
# Real servers for the transport tests (tests/servers/): IMAP, SFTP, SMTP.
TEST_DEPS  += dovecot-core dovecot-imapd dovecot-lmtpd dovecot-submissiond openssh-server \
              openssh-sftp-server opensmtpd swaks libnet-ssleay-perl gnutls-bin time util-linux

.PHONY: all run test asan valgrind deps test-deps samples clean check-config

all: $(BUILD)/packetd

$(BUILD)/packetd: $(BUILD)/obj/main.o $(BUILD)/libpacketd.a
	$(CC) $(WFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libpacketd.a: $(OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WFLAGS) $(CFLAGS) -c -o $@ $<

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
	$(MAKE) all units
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

clean:
	rm -rf build build-asan

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)
