# eeaguard — data-residency enforcement agent.
#
#   make                 build build/eeaguard and the embedded build/country.mmdb
#   make check           install missing deps, build, run every test and lint;
#                        then make check SANITIZE=1
#   make check SANITIZE=1  the same tests under ASan + UBSan (objects in
#                        build/san/), a fuzz pass and make fault
#   make lint            cppcheck and clang-tidy over our C code (tests/lint/)
#   make fault           fail each allocation of config, register, geodb and
#                        agent start in turn (tests/fault/, under ASan + UBSan)
#   make bench           benchmarks (figures, not pass/fail)
#   make install         PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share
DESTDIR  ?=
SANITIZE ?= 0

PKGS := libpcap libmaxminddb libconfig libcrypto json-c libnftables libmnl libsystemd libcap-ng zlib

ifeq ($(SANITIZE),1)
O        := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
O        := build
SANFLAGS :=
endif

CC       ?= cc
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith
CPPFLAGS += -D_GNU_SOURCE -I. -DEEAGUARD_DATADIR='"$(DATADIR)/eeaguard"'
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP $(SANFLAGS) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

# Library modules: everything in the three layers except the program entry.
LIB_SRC  := $(wildcard rules/*.c) $(wildcard geodb/*.c) \
            $(filter-out agent/main.c,$(wildcard agent/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
LIB      := $(O)/libeeaguard.a
BIN      := $(O)/eeaguard

UNIT_SRC := $(wildcard tests/unit/check_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(O)/tools/%)

TOR_GEOIP  ?= /usr/share/tor/geoip
TOR_GEOIP6 ?= /usr/share/tor/geoip6

.SECONDARY:
.PHONY: all deps check check-asan lint unit cli bench install clean demo fuzz fuzz-build
all: $(BIN) build/country.mmdb

deps:
	@deploy/install-deps.sh

# Quiet by default; make V=1 shows the commands.
ifneq ($(V),1)
Q := @
endif

$(O)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(O)/agent/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(O)/tools/%: $(O)/tests/tools/%.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The embedded default database, from Debian's tor-geoipdb. Always built by
# the plain (unsanitized) binary so SANITIZE=1 runs reuse it.
build/country.mmdb: build/eeaguard $(TOR_GEOIP) $(TOR_GEOIP6)
	build/eeaguard geodb build --tor $(TOR_GEOIP) --tor6 $(TOR_GEOIP6) -o $@

ifeq ($(SANITIZE),1)
build/eeaguard:
	$(MAKE) SANITIZE=0 build/eeaguard
endif

# Each pass runs a CPU-bound job at idle priority beside its unit and
# command-line tests, which mostly wait on the network: the plain pass
# static analysis (make lint), the sanitizer pass the fuzz targets
# (CHECK_FUZZ_SECONDS each; they carry their own ASan + UBSan) and then
# the allocation-failure run (make fault), whose build it shares.
# bg_beside JOB LOG TESTS: runs make JOB niced into LOG while make TESTS
# runs, then shows LOG; fails if either failed.
bg_beside = @mkdir -p $(dir $(2)); \
	nice -n 19 $(MAKE) --no-print-directory $(1) >$(2) 2>&1 & \
	bg=$$!; \
	$(MAKE) $(3); rc=$$?; \
	wait $$bg; bgrc=$$?; \
	echo "== make $(1) (beside the tests, nice 19)"; cat $(2); \
	test $$rc -eq 0 && test $$bgrc -eq 0

check: deps
ifneq ($(SANITIZE),1)
	$(MAKE) all $(UNIT_BIN) $(TOOL_BIN)
	$(call bg_beside,lint,build/lint/check.log,unit cli)
	$(MAKE) check SANITIZE=1
else
	$(MAKE) SANITIZE=1 all $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_BIN)
	$(call bg_beside,fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS),build/fuzz/check.log,SANITIZE=1 unit cli)
	$(MAKE) SANITIZE=1 fault
endif

check-asan:
	$(MAKE) check SANITIZE=1

# The build's own preprocessor and language flags, so both tools see the
# code the compiler sees; configuration in .clang-tidy and tests/lint/.
lint:
	@tests/lint/run.sh $(CPPFLAGS) -std=c11 \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

unit: $(BIN) build/country.mmdb $(UNIT_BIN) $(TOOL_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

cli: $(BIN) build/country.mmdb $(TOOL_BIN)
	@EEAGUARD=$(BIN) TOOLS=$(O)/tools tests/run-cli.sh

bench: $(BIN) build/country.mmdb $(TOOL_BIN)
	@EEAGUARD=$(BIN) TOOLS=$(O)/tools tests/bench/run.sh

# Fuzzing: libFuzzer targets tests/fuzz/fuzz_*.c, built with clang, ASan and
# UBSan, over the library compiled the same way in build/fuzz/.
FUZZ_SECONDS ?= 60
CHECK_FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o)

# -MMD: a harness rebuilds when a header it shares (tests/fuzz/*.h) changes.
build/fuzz/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -MMD -MP \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c -o $@ $<

-include $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/tests/fuzz/%.d)

build/fuzz/%: build/fuzz/tests/fuzz/%.o $(FUZZ_LIB_OBJ)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps $(FUZZ_BIN) $(TOOL_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BIN)

# Allocation failures: a harness that fails each allocation of a scenario in
# turn (tests/fault/), always built with ASan and UBSan into build/san/.
FAULT_SRC := $(wildcard tests/fault/*.c)
FAULT_OBJ := $(FAULT_SRC:%.c=$(O)/%.o)

$(O)/fault/fault: $(FAULT_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: fault
ifeq ($(SANITIZE),1)
fault: $(O)/fault/fault $(BIN) build/country.mmdb $(O)/tools/pcapgen
	@FAULT=$(O)/fault/fault EEAGUARD=$(BIN) TOOLS=$(O)/tools tests/fault/run.sh
else
fault:
	@$(MAKE) SANITIZE=1 fault
endif

# The README's first command: replay the bundled demo through the agent.
demo: deps all $(O)/tools/pcapgen
	@$(O)/tools/pcapgen deploy/demo/flows.txt build/demo.pcap
	@echo "== eeaguard agent -r build/demo.pcap -c deploy/demo/eeaguard.conf -v --format text"
	@$(BIN) agent -r build/demo.pcap -c deploy/demo/eeaguard.conf -v --format text

# make install [PREFIX=/usr/local] [DESTDIR=] [INSTALL_BIN=... INSTALL_DB=...]
#
# The program, the embedded database, man pages, documentation and the
# systemd unit go under PREFIX; the unit into $(PREFIX)/lib/systemd/system,
# which systemd reads for /usr and /usr/local alike (a local build never
# shadows a package's /lib/systemd/system). Configuration goes to
# /etc/eeaguard and /etc/logrotate.d whatever PREFIX is (the binary reads
# /etc/eeaguard/eeaguard.conf), and is never overwritten: an edited
# configuration or a raised logrotate retention survives reinstalls. The
# example configuration is installed with the register and audit log where
# deploy/setup-users.sh and LEGAL.md put them, and watching every interface.
# deploy/setup-users.sh then lays out the directories, their owners and
# modes: as root without DESTDIR it also creates the users (a real install),
# with DESTDIR only the modes (a staging tree). INSTALL_BIN and INSTALL_DB
# install an already-built binary and database without building anything.
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(DATADIR)/doc/eeaguard
UNITDIR     ?= $(PREFIX)/lib/systemd/system
INSTALL_BIN ?= $(BIN)
INSTALL_DB  ?= build/country.mmdb

install: $(INSTALL_BIN) $(INSTALL_DB)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/eeaguard \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)/etc/logrotate.d $(DESTDIR)/etc/eeaguard
	install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/eeaguard
	install -m 0644 $(INSTALL_DB) $(DESTDIR)$(DATADIR)/eeaguard/country.mmdb
	install -m 0755 deploy/setup-users.sh $(DESTDIR)$(DATADIR)/eeaguard/setup-users.sh
	install -m 0644 doc/eeaguard.8 $(DESTDIR)$(MANDIR)/man8/eeaguard.8
	install -m 0644 doc/eeaguard.conf.5 doc/eeaguard-consent.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 README.md deploy/INSTALL.md deploy/LEGAL.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 deploy/eeaguard.conf deploy/consent.conf $(DESTDIR)$(DOCDIR)/examples/
	sed 's|/usr/sbin/eeaguard|$(SBINDIR)/eeaguard|g' deploy/eeaguard.service \
	    >$(DESTDIR)$(UNITDIR)/eeaguard.service.new
	chmod 0644 $(DESTDIR)$(UNITDIR)/eeaguard.service.new
	mv -f $(DESTDIR)$(UNITDIR)/eeaguard.service.new $(DESTDIR)$(UNITDIR)/eeaguard.service
	@set -e; f=$(DESTDIR)/etc/logrotate.d/eeaguard; \
	if [ -e "$$f" ]; then echo "kept $$f"; \
	else install -m 0644 deploy/eeaguard.logrotate "$$f"; fi
	@set -e; f=$(DESTDIR)/etc/eeaguard/eeaguard.conf; \
	if [ -e "$$f" ]; then \
	    echo "kept $$f (the new example is $(DOCDIR)/examples/eeaguard.conf)"; \
	else \
	    sed -e 's|^\( *\)register = "consent.conf";|\1register = "consent/consent.conf";|' \
	        -e 's|^\( *# \)Relative, so it is the consent.conf next to this file.|\1In consent/ next to this file: see LEGAL.md.|' \
	        -e 's|"/var/lib/eeaguard/consent.log"|"/var/lib/eeaguard/consent/consent.log"|' \
	        -e 's|^\( *\)interfaces = \["eth0"\];|\1interfaces = [];|' \
	        deploy/eeaguard.conf >"$$f.new"; \
	    chmod 0644 "$$f.new"; mv -f "$$f.new" "$$f"; \
	fi
	DESTDIR=$(DESTDIR) deploy/setup-users.sh
	@if ! grep -qaF '$(DATADIR)/eeaguard/country.mmdb' $(INSTALL_BIN); then \
	    echo "warning: $(INSTALL_BIN) was built for another DATADIR: it will not find" \
	        "$(DATADIR)/eeaguard/country.mmdb; rebuild it (make clean; make PREFIX=$(PREFIX))" \
	        "or set geodb.path" >&2; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# Removes what install put under PREFIX. Keeps /etc/eeaguard, the logrotate
# configuration, /var/lib/eeaguard (the audit log), /var/log/eeaguard (the
# evidence), the users and the nftables table: those outlive the program.
.PHONY: uninstall
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && \
	    [ -e $(UNITDIR)/eeaguard.service ]; then \
	    systemctl disable --now eeaguard.service || true; fi
	rm -f $(DESTDIR)$(SBINDIR)/eeaguard \
	    $(DESTDIR)$(DATADIR)/eeaguard/country.mmdb \
	    $(DESTDIR)$(DATADIR)/eeaguard/setup-users.sh \
	    $(DESTDIR)$(MANDIR)/man8/eeaguard.8 \
	    $(DESTDIR)$(MANDIR)/man5/eeaguard.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/eeaguard-consent.5 \
	    $(DESTDIR)$(UNITDIR)/eeaguard.service \
	    $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/INSTALL.md \
	    $(DESTDIR)$(DOCDIR)/LEGAL.md $(DESTDIR)$(DOCDIR)/examples/eeaguard.conf \
	    $(DESTDIR)$(DOCDIR)/examples/consent.conf
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(DATADIR)/eeaguard 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "kept /etc/eeaguard, /etc/logrotate.d/eeaguard, /var/lib/eeaguard, /var/log/eeaguard" \
	    "and the users eeaguard, eeaguard-legal; the nftables table inet eeaguard stays" \
	    "until 'nft delete table inet eeaguard' (see INSTALL.md, Uninstall)"

clean:
	rm -rf build

-include $(FUZZ_LIB_OBJ:.o=.d) $(LIB_OBJ:.o=.d) $(FAULT_OBJ:.o=.d) $(O)/agent/main.d $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%.d) \
         $(TOOL_SRC:tests/tools/%.c=$(O)/tests/tools/%.d)
