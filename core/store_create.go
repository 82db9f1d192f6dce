package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lxc-go/lxc/netcfg"
)

// TemplateDir is where LXC's template scripts live; "-t NAME" runs
// TemplateDir/lxc-NAME.
var TemplateDir = "/usr/share/lxc/templates"

// NestingConf is the file the config header suggests including.
var NestingConf = "/usr/share/lxc/config/nesting.conf"

// CreateOptions is what lxc-create was asked for.
type CreateOptions struct {
	// Template is "" or "none" (no rootfs), "busybox" (built in), another
	// template name (TemplateDir/lxc-NAME), or a path to a template
	// script.
	Template string
	// TemplateArgs are passed to the template after LXC's own arguments.
	TemplateArgs []string
	// ConfigFile is the initial config (-f). Empty means the system's
	// lxc.default_config; as in LXC, -f replaces the default config.
	ConfigFile string
	// BDev is the backing store (-B): "", "dir", "none" or "best" (all a
	// directory here).
	BDev string
	// Dir places the rootfs directory there instead of NAME/rootfs.
	Dir string
	// Stdin, Stdout and Stderr are given to a template script.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// storageTypes are the backing stores LXC knows (is_valid_storage_type).
var storageTypes = map[string]bool{
	"btrfs": true, "dir": true, "lvm": true, "nbd": true, "overlay": true,
	"overlayfs": true, "rbd": true, "zfs": true, "loop": true,
}

// ErrBadBackingStore is returned for a -B value LXC itself rejects; its
// message is LXC's.
type ErrBadBackingStore string

func (e ErrBadBackingStore) Error() string {
	return fmt.Sprintf("%s is not a valid backing storage type.", string(e))
}

// ValidateBackingStore checks a -B value: LXC's invalid names get LXC's
// message; names LXC knows but this implementation does not support get an
// error listing what is supported.
func ValidateBackingStore(b string) error {
	switch b {
	case "", "dir", "none", "best":
		return nil
	}
	if !storageTypes[b] {
		return ErrBadBackingStore(b)
	}
	return fmt.Errorf("backing store %q is not supported (supported: dir, best, none)", b)
}

// TemplatePath resolves a -t argument to the script LXC would run and
// reports whether it is our built-in busybox template. Names without a
// slash are looked up as TemplateDir/lxc-NAME.
func TemplatePath(t string) (path string, builtin bool) {
	if t == "busybox" {
		return filepath.Join(TemplateDir, "lxc-busybox"), true
	}
	if strings.Contains(t, "/") {
		return t, false
	}
	return filepath.Join(TemplateDir, "lxc-"+t), false
}

// Create makes container name: its directory (0770), its config (0640)
// from the initial config plus what the template adds, and a rootfs
// directory filled by the template. It holds the container lock
// throughout, so of concurrent creates of one name exactly one succeeds
// and the others get ErrExists. A failed create removes everything it
// made.
func (s *Store) Create(name string, o CreateOptions) (err error) {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := ValidateBackingStore(o.BDev); err != nil {
		return err
	}
	tmpl := o.Template
	if tmpl == "none" {
		tmpl = ""
	}
	var tpath string
	var builtin bool
	if tmpl != "" {
		tpath, builtin = TemplatePath(tmpl)
		if !builtin {
			if err := checkExecutable(tpath); err != nil {
				return fmt.Errorf("template %q not found: %w", tmpl, err)
			}
		}
	}

	// The initial config: -f, else lxc.default_config (missing is fine).
	cfgFile := o.ConfigFile
	optional := false
	if cfgFile == "" {
		cfgFile = SystemConfig().DefaultConfig
		optional = true
	}
	var lines []string
	var initial *Config
	if data, rerr := readConfigFile(cfgFile); rerr == nil {
		lines = unexpandedLines(data)
		for i, l := range lines {
			lines[i] = expandHWAddrLine(l)
		}
		initial, err = LoadConfig(cfgFile)
		if err != nil {
			return fmt.Errorf("initial config: %w", err)
		}
	} else if !optional || !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("initial config %q: %w", cfgFile, rerr)
	} else {
		initial = NewConfig()
	}

	if err := os.MkdirAll(s.Path, 0o755); err != nil {
		return fmt.Errorf("create lxcpath %q: %w", s.Path, err)
	}
	lk, err := s.Lock(name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if s.Exists(name) {
		return fmt.Errorf("container %q: %w", name, ErrExists)
	}

	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	dir := s.Dir(name)
	switch mkErr := os.Mkdir(dir, 0o770); {
	case mkErr == nil:
		undo = append(undo, func() { RemoveTree(dir) })
	case errors.Is(mkErr, fs.ErrExist):
		// A directory without config (left by hand): reuse it but
		// only remove what we add to it.
		if st, serr := os.Lstat(dir); serr != nil || !st.IsDir() {
			return fmt.Errorf("container directory %q exists and is not a directory", dir)
		}
	default:
		return fmt.Errorf("create container directory %q: %w", dir, mkErr)
	}
	if err := os.Chmod(dir, 0o770); err != nil {
		return err
	}
	cfgPath := s.ConfigPath(name)
	undo = append(undo, func() { os.Remove(cfgPath) })

	var rootfs string
	if tmpl != "" {
		if initial.RootfsPath != "" && o.Dir == "" && o.BDev == "" {
			// The config names the rootfs: it must exist.
			rootfs = strings.TrimPrefix(initial.RootfsPath, "dir:")
			if st, serr := os.Stat(rootfs); serr != nil || !st.IsDir() {
				return fmt.Errorf("the rootfs %q does not exist", rootfs)
			}
		} else {
			rootfs = filepath.Join(dir, "rootfs")
			if o.Dir != "" {
				if rootfs, err = filepath.Abs(o.Dir); err != nil {
					return err
				}
			}
			switch mkErr := os.Mkdir(rootfs, 0o755); {
			case mkErr == nil:
				r := rootfs
				undo = append(undo, func() { RemoveTree(r) })
			case errors.Is(mkErr, fs.ErrExist) && o.Dir != "":
			default:
				return fmt.Errorf("create rootfs %q: %w", rootfs, mkErr)
			}
			lines = append(lines, "lxc.rootfs.path = dir:"+rootfs)
		}
	}
	if err := storeWriteFile(cfgPath, joinLines(lines), 0o640); err != nil {
		return err
	}
	if tmpl == "" {
		return nil
	}

	if builtin {
		err = BusyboxTemplate(BusyboxOptions{Name: name, Path: dir, Rootfs: rootfs, Args: o.TemplateArgs, Stdout: o.Stdout})
	} else {
		err = runTemplate(tpath, name, dir, rootfs, o)
	}
	if err != nil {
		return err
	}
	// LXC prepends a header naming the template and its arguments.
	body, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	var hdr bytes.Buffer
	fmt.Fprintf(&hdr, "# Template used to create this container: %s\n", tpath)
	hdr.WriteString("# Parameters passed to the template:")
	for _, a := range o.TemplateArgs {
		hdr.WriteString(" " + a)
	}
	hdr.WriteString("\n# For additional config options, please look at lxc.container.conf(5)\n")
	fmt.Fprintf(&hdr, "\n# Uncomment the following line to support nesting containers:\n#lxc.include = %s\n# (Be aware this has security implications)\n\n", NestingConf)
	hdr.Write(body)
	if err := storeWriteFile(cfgPath, hdr.Bytes(), 0o640); err != nil {
		return err
	}
	return shiftForIDMap(cfgPath, dir, rootfs)
}

// shiftForIDMap gives the rootfs of a container with lxc.idmap to its
// mapped ids (the one-time shift LXC users do with lxc-usernsexec), and
// lets the mapped root reach the container directory (search only).
func shiftForIDMap(cfgPath, dir, rootfs string) error {
	cfg, err := LoadConfig(cfgPath)
	if err != nil || len(cfg.IDMap) == 0 {
		return err
	}
	// An idmapped rootfs mount (lxc.rootfs.options = idmap=container)
	// shifts at mount time: the files keep their owners.
	for _, o := range strings.Split(cfg.RootfsOptions, ",") {
		if strings.TrimSpace(o) == "idmap=container" {
			return os.Chmod(dir, 0o771)
		}
	}
	if err := ShiftRootfs(rootfs, cfg.IDMap); err != nil {
		return fmt.Errorf("shifting the rootfs to the lxc.idmap ids: %w", err)
	}
	return os.Chmod(dir, 0o771)
}

// unexpandedLines returns the lines of an initial config the way LXC keeps
// them in the new container's config: empty lines are dropped, lines of
// only blanks become empty lines, everything else (comments, non-lxc.
// lines, lxc.include lines) is kept verbatim.
func unexpandedLines(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l == "" {
			continue
		}
		if strings.Trim(l, " \t\r\v\f") == "" {
			l = ""
		}
		out = append(out, l)
	}
	return out
}

// expandHWAddrLine fills the x placeholders of an lxc.net.N.hwaddr (or
// legacy lxc.network.hwaddr) line with random hex digits, as LXC does
// when it reads the initial config of lxc-create (rand_complete_hwaddr),
// so that the new container keeps one address instead of a new random one
// at every start (Debian's lxc-test-createconfig checks this). The digits
// are drawn by netcfg.ExpandHWAddr, as at start. Comments, other keys,
// invalid patterns (the parser reports them) and lines of included files
// are left alone.
func expandHWAddrLine(line string) string {
	eq := strings.IndexByte(line, '=')
	if eq < 0 || strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
		return line
	}
	key := strings.TrimSpace(line[:eq])
	if key != "lxc.network.hwaddr" && !(strings.HasPrefix(key, "lxc.net.") && strings.HasSuffix(key, ".hwaddr")) {
		return line
	}
	val := strings.TrimSpace(line[eq+1:])
	if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
		val = val[1 : len(val)-1]
	}
	if !strings.ContainsAny(val, "xX") {
		return line
	}
	mac, err := netcfg.ExpandHWAddr(val)
	if err != nil {
		return line
	}
	lead := line[eq+1:]
	lead = lead[:len(lead)-len(strings.TrimLeft(lead, " \t"))]
	return line[:eq+1] + lead + mac.String()
}

func joinLines(lines []string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func checkExecutable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%q is not executable", p)
	}
	return nil
}

// storeWriteFile writes data to a temporary file beside path and renames
// it over path, so readers never see a half-written config.
func storeWriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %q: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}
