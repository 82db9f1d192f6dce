# Build, install and test the lxc multicall binary.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
GO ?= go
# urfave_cli_no_docs leaves out the man/markdown generators we never use
# (less code to start in every process: monitor, init, tools).
GOFLAGS_BUILD = -trimpath -tags urfave_cli_no_docs -ldflags "-s -w"

# Every tool name the binary answers to (LXC 5.0's 25 tools plus lxc-init).
# applets/registry_test.go checks that this list equals the registry.
TOOLS = attach autostart cgroup checkconfig checkpoint config console copy \
	create destroy device execute freeze info init ls monitor snapshot \
	start stop top unfreeze unshare update-config usernsexec wait

.PHONY: all lxc install uninstall deps check test unit demo bench clean

all: lxc

lxc:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o lxc .

install: lxc
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 lxc $(DESTDIR)$(BINDIR)/lxc
	for t in $(TOOLS); do ln -sf lxc $(DESTDIR)$(BINDIR)/lxc-$$t; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lxc
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/lxc-$$t; done

# Install the packages the demo and the tests need (when missing).
deps:
	./scripts/deps.sh

# The README's test command: set-up, then every test.
check: deps test

# Unit tests and, as root, the integration tests that start real containers.
test: lxc
	CGO_ENABLED=0 $(GO) vet ./...
	LXC_BINARY=$(CURDIR)/lxc $(GO) test -count=1 -timeout 40m ./...

unit:
	$(GO) test -count=1 -short ./...

# The README's main job: build, install, create a busybox container, show
# it, run a command in it, destroy it.
demo: deps install
	./scripts/demo.sh $(BINDIR)

# The benchmark times the binary built here, with these same flags.
bench: lxc
	LXC_BINARY=$(CURDIR)/lxc ./bench/run.sh

clean:
	rm -f lxc
