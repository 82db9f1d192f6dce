package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Config is a parsed lxc.container.conf(5). Fields hold typed values; the
// key table (keys*.go) converts between them and the text form.
type Config struct {
	// File is the main config file this was loaded from ("" if none).
	File string

	UTSName     string
	Arch        string // as written (x86_64, amd64, i686, ...); "" = host
	Personality int    // -1 when unset

	RootfsPath    string // as written, e.g. "dir:/var/lib/lxc/c/rootfs"
	RootfsMount   string
	RootfsOptions string
	RootfsManaged bool

	MountEntries []string // raw fstab-like lines, in order
	MountFstab   string
	MountAuto    []string // validated tokens, e.g. "proc:mixed", "sys:ro", "cgroup:mixed:force"

	Autodev          int // -1 unset (default on), 0, 1
	AutodevTmpfsSize int64

	InitCmd    string
	ExecuteCmd string
	InitCwd    string
	InitUID    int // -1 unset
	InitGID    int // -1 unset
	InitGroups []int

	Environment []string

	SignalHalt   int // 0 = default (SIGPWR)
	SignalReboot int // 0 = default (SIGINT)
	SignalStop   int // 0 = default (SIGKILL)

	// Net holds network devices by their lxc.net.N index.
	Net map[int]*NetDev

	TTYMax int
	TTYDir string
	PTYMax int

	ConsolePath       string
	ConsoleLogfile    string
	ConsoleSize       int64
	ConsoleRotate     bool
	ConsoleBufferSize int64

	// Cgroup holds lxc.cgroup.* raw settings (v1) in file order: Key is
	// the part after "lxc.cgroup." (e.g. "memory.limit_in_bytes").
	Cgroup []KV
	// Cgroup2 holds lxc.cgroup2.* raw settings in file order.
	Cgroup2 []KV

	CgroupDir             string
	CgroupDirContainer    string
	CgroupDirMonitor      string
	CgroupDirMonitorPivot string
	CgroupDirInner        string
	CgroupRelative        bool

	CapDrop []string // lower-case names without "cap_"
	CapKeep []string

	NamespaceClone []string // namespace names: mount pid uts ipc net user cgroup time
	NamespaceKeep  []string
	NamespaceShare map[string]string // ns name -> container name, path or pid

	TimeOffsetBoot      int64 // nanoseconds
	TimeOffsetMonotonic int64

	IDMap []IDMap

	Prlimit []Prlimit
	Sysctl  []KV // Key without "lxc.sysctl."
	Proc    []KV // Key without "lxc.proc."

	SeccompProfile      string
	SeccompAllowNesting bool
	SeccompNotifyProxy  string
	SeccompNotifyCookie string

	NoNewPrivs bool

	AppArmorProfile         string
	AppArmorAllowIncomplete bool
	AppArmorAllowNesting    bool
	AppArmorRaw             []string
	SELinuxContext          string
	SELinuxContextKeyring   string
	KeyringSession          int // -1 unset (default 1)

	HookVersion int
	// Hooks maps a hook type ("pre-start", "start", ...) to its commands.
	Hooks map[string][]string

	StartAuto  int
	StartDelay int
	StartOrder int
	Groups     []string

	MonitorUnshare bool
	SignalPdeath   int // -1 unset (default SIGKILL); 0 = none

	LogFile   string
	LogLevel  int // -1 unset
	LogSyslog string

	Ephemeral bool
	SchedCore bool

	// Unknown collects non-"lxc." lines, kept only so that writers can
	// reproduce them.
	includes []string // files loaded through lxc.include, for loop checks
	depth    int
	// lines is the main file's lines, for the writer.
	lines []string
}

// KV is one raw key/value setting.
type KV struct {
	Key   string
	Value string
}

// IDMap is one lxc.idmap line.
type IDMap struct {
	Kind   byte // 'u' or 'g'
	NSID   int64
	HostID int64
	Range  int64
}

// Prlimit is one lxc.prlimit.NAME setting; Unlimited is RLIM_INFINITY.
type Prlimit struct {
	Name string // as written after "lxc.prlimit." (e.g. "nofile")
	Soft uint64
	Hard uint64
	Raw  string
}

// NetDev is one lxc.net.N device.
type NetDev struct {
	Index       int
	Type        string // veth macvlan ipvlan vlan phys empty none
	Flags       string // "up" or ""
	Link        string
	Name        string
	HWAddr      string
	MTU         string
	IPv4        []string // "a.b.c.d/m" or "a.b.c.d/m bcast"
	IPv6        []string
	IPv4Gateway string // address, "auto", "dev" or ""
	IPv6Gateway string
	ScriptUp    string
	ScriptDown  string
	L2Proxy     bool

	VethPair       string
	VethMode       string // bridge (default) or router
	VethIPv4Routes []string
	VethIPv6Routes []string
	VethVlanID     string
	VethVlanTagged []string
	VethRxQueues   string
	VethTxQueues   string

	MacvlanMode     string
	IPvlanMode      string
	IPvlanIsolation string
	VlanID          string
}

// NewConfig returns a config with LXC's defaults.
func NewConfig() *Config {
	return &Config{
		Personality:    -1,
		RootfsManaged:  true,
		Autodev:        -1,
		InitUID:        -1,
		InitGID:        -1,
		Net:            map[int]*NetDev{},
		NamespaceShare: map[string]string{},
		KeyringSession: -1,
		Hooks:          map[string][]string{},
		SignalPdeath:   -1,
		LogLevel:       -1,
	}
}

// NetIndexes returns the network device indexes in ascending order.
func (c *Config) NetIndexes() []int {
	idx := make([]int, 0, len(c.Net))
	for i := range c.Net {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	return idx
}

// ConfigError is an error in a config file. It prints as
// "file:line: key = value: reason".
type ConfigError struct {
	File  string
	Line  int
	Key   string
	Value string
	Err   error
}

func (e *ConfigError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "config"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Key == "" {
		return fmt.Sprintf("%s: %v", loc, e.Err)
	}
	return fmt.Sprintf("%s: %s = %s: %v", loc, e.Key, e.Value, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Limits that keep hostile input bounded.
const (
	maxConfigLine  = 1 << 20 // bytes per line
	maxConfigSize  = 1 << 24 // bytes per file
	maxIncludeDeep = 16
	maxIncludes    = 1024
)

// ErrUnknownKey is wrapped by errors for keys that do not exist.
var ErrUnknownKey = errors.New("unsupported config key")

// LoadConfig parses the file at path into a new config with defaults.
func LoadConfig(path string) (*Config, error) {
	c := NewConfig()
	if err := c.LoadFile(path); err != nil {
		return nil, err
	}
	c.File = path
	return c, nil
}

// LoadFile parses the file at path on top of c (lxc.include and --rcfile
// use this).
func (c *Config) LoadFile(path string) error {
	data, err := readConfigFile(path)
	if err != nil {
		return &ConfigError{File: path, Err: err}
	}
	// One string for the parser and the writer's lines: values and
	// lines are slices of it, not copies.
	text := string(data)
	if c.File == "" && c.depth == 0 {
		c.lines = strings.Split(text, "\n")
	}
	return c.parse(path, text)
}

// LoadString parses config text (used for -s KEY=VAL and tests); name is
// used in error messages.
func (c *Config) LoadString(name, text string) error {
	return c.parse(name, text)
}

// readConfigFile reads a regular file of bounded size. FIFOs, devices and
// directories are refused before they are opened for reading, so a FIFO
// as include target cannot hang us.
func readConfigFile(path string) ([]byte, error) {
	// Plain system calls: os.Open would also try to register the file
	// with the poller and toggle O_NONBLOCK, five calls more per file,
	// which lxc-ls pays for every container.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("not a regular file")
	}
	if st.Size > maxConfigSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxConfigSize)
	}
	// One read usually does it; the file may still grow meanwhile.
	data := make([]byte, 0, st.Size+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		want := cap(data) - len(data)
		n, err := unix.Read(fd, data[len(data):cap(data)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		data = data[:len(data)+n]
		if len(data) > maxConfigSize {
			return nil, fmt.Errorf("file larger than %d bytes", maxConfigSize)
		}
		// A regular file reads short only at its end.
		if n < want {
			break
		}
	}
	return data, nil
}

// parse applies every line of text. Lines are split by hand rather than
// with a bufio.Scanner: no buffer and no string per line to allocate,
// which lxc-ls pays for every container.
func (c *Config) parse(file string, text string) error {
	if i := strings.IndexByte(text, 0); i >= 0 {
		line := strings.Count(text[:i], "\n") + 1
		return &ConfigError{File: file, Line: line, Err: errors.New("NUL byte in config file")}
	}
	n := 0
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		n++
		if len(line) >= maxConfigLine {
			return &ConfigError{File: file, Line: n, Err: fmt.Errorf("line longer than %d bytes", maxConfigLine)}
		}
		if err := c.parseLine(file, n, line); err != nil {
			return err
		}
	}
	return nil
}

// parseLine applies one config line, following LXC's parse_line: blank
// lines and lines starting with '#' are skipped, lines not starting with
// "lxc." are ignored, "key = value" with one layer of quotes stripped.
func (c *Config) parseLine(file string, n int, line string) error {
	line = strings.TrimRight(line, "\r")
	t := strings.TrimLeft(line, " \t")
	if t == "" || t[0] == '#' {
		return nil
	}
	if !strings.HasPrefix(t, "lxc.") {
		return nil
	}
	key, value, ok := strings.Cut(t, "=")
	if !ok {
		return &ConfigError{File: file, Line: n, Err: fmt.Errorf("invalid configuration line: %s", t)}
	}
	key = strings.TrimSpace(key)
	value = unquote(strings.Trim(value, " \t"))
	if key == "lxc.include" {
		if err := c.include(value); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				return err
			}
			return &ConfigError{File: file, Line: n, Key: key, Value: value, Err: err}
		}
		return nil
	}
	if err := c.Set(key, value); err != nil {
		return &ConfigError{File: file, Line: n, Key: key, Value: value, Err: err}
	}
	return nil
}

// unquote strips one layer of matching single or double quotes.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// include loads a file, or every *.conf file of a directory.
func (c *Config) include(path string) error {
	if path == "" {
		return nil
	}
	if c.depth >= maxIncludeDeep {
		return fmt.Errorf("includes nested deeper than %d (include loop?)", maxIncludeDeep)
	}
	if len(c.includes) >= maxIncludes {
		return fmt.Errorf("more than %d included files", maxIncludes)
	}
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) && strings.HasSuffix(path, "/") {
			return nil
		}
		return err
	}
	c.depth++
	defer func() { c.depth-- }()
	if st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".conf") || e.IsDir() {
				continue
			}
			p := filepath.Join(path, e.Name())
			c.includes = append(c.includes, p)
			if err := c.LoadFile(p); err != nil {
				return err
			}
		}
		return nil
	}
	c.includes = append(c.includes, path)
	return c.LoadFile(path)
}

// keyHandler is one entry of the config key table: a key name (or a prefix
// for families such as lxc.cgroup.), and how to set, get and clear it.
type keyHandler struct {
	name   string
	prefix bool
	set    func(c *Config, key, value string) error
	get    func(c *Config, key string) (string, error)
	clear  func(c *Config, key string) error
}

var (
	exactKeys  = map[string]*keyHandler{}
	prefixKeys []*keyHandler
	keysOnce   sync.Once
)

// keyTables builds the key tables on first use rather than at package
// initialisation: every process of ours would pay for them otherwise
// (≈0.2 ms and 78 KB), the container's init and reaper and most tools
// included, which never parse a configuration.
func keyTables() {
	keysOnce.Do(func() {
		registerBaseKeys()
		registerNetKeys()
		registerLegacyKeys()
	})
}

// registerKeys adds key handlers; called from keyTables via the
// register*Keys functions of keys*.go and legacy.go.
func registerKeys(hs ...keyHandler) {
	for i := range hs {
		h := &hs[i]
		if h.prefix {
			for _, p := range prefixKeys {
				if p.name == h.name {
					panic("core: duplicate config key prefix " + h.name)
				}
			}
			prefixKeys = append(prefixKeys, h)
			sort.Slice(prefixKeys, func(a, b int) bool { return len(prefixKeys[a].name) > len(prefixKeys[b].name) })
			continue
		}
		if _, dup := exactKeys[h.name]; dup {
			panic("core: duplicate config key " + h.name)
		}
		exactKeys[h.name] = h
	}
}

// lookupKey finds the handler for key: exact match first, then the longest
// prefix.
func lookupKey(key string) *keyHandler {
	keyTables()
	if h, ok := exactKeys[key]; ok {
		return h
	}
	for _, h := range prefixKeys {
		if strings.HasPrefix(key, h.name) {
			return h
		}
	}
	return nil
}

// Set applies one key = value, as if read from a config file.
func (c *Config) Set(key, value string) error {
	h := lookupKey(key)
	if h == nil {
		return fmt.Errorf("%w %q", ErrUnknownKey, key)
	}
	return h.set(c, key, value)
}

// Get returns the value of key in LXC's get_config_item format (list keys:
// one value per line, each followed by a newline).
func (c *Config) Get(key string) (string, error) {
	h := lookupKey(key)
	if h == nil || h.get == nil {
		return "", fmt.Errorf("%w %q", ErrUnknownKey, key)
	}
	return h.get(c, key)
}

// Clear resets key to its default.
func (c *Config) Clear(key string) error {
	h := lookupKey(key)
	if h == nil || h.clear == nil {
		return fmt.Errorf("%w %q", ErrUnknownKey, key)
	}
	return h.clear(c, key)
}
