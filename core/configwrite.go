package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Writing a config back (lxc-copy, lxc-snapshot, lxc-create,
// lxc-update-config).
//
// The Config keeps the text of its main file (not of included files).
// SetItem and ClearItem change both the typed values and that text; Save
// writes the text. Policy, simpler than LXC's save_config and documented
// here because users see it:
//
//   - every line we do not change stays byte for byte where it was:
//     comments, blank lines, non-"lxc." lines, quoting, spacing (LXC
//     drops blank lines and re-appends changed keys at the end);
//   - setting a scalar key rewrites its last line in place as
//     "key = value" and removes earlier lines of the same key; a key not
//     yet in the file is appended at the end;
//   - setting a list key (lxc.cap.drop, lxc.mount.entry, lxc.net.N.ipv4.
//     address, lxc.cgroup.*, ...) appends a line after its last line (or
//     at the end);
//   - setting any key to "" or ClearItem removes every line of that key,
//     and for families (lxc.net, lxc.net.N, lxc.hook, lxc.cgroup,
//     lxc.cgroup2, lxc.prlimit, lxc.sysctl, lxc.proc) every line of
//     their members; the typed value is cleared.
//
// Values are written unquoted unless they start or end with a blank or a
// quote, which the parser would otherwise strip.

// SetItem sets key to value like Set and records the change in the text
// that Save writes.
func (c *Config) SetItem(key, value string) error {
	if strings.ContainsAny(value, "\n\r\x00") {
		return &ConfigError{File: c.File, Key: key, Value: value, Err: errors.New("value contains a newline or NUL byte")}
	}
	if strings.ContainsAny(key, " \t=\n\r\x00#") || !strings.HasPrefix(key, "lxc.") {
		return &ConfigError{File: c.File, Key: key, Value: value, Err: fmt.Errorf("%w %q", ErrUnknownKey, key)}
	}
	if err := c.Set(key, value); err != nil {
		return &ConfigError{File: c.File, Key: key, Value: value, Err: err}
	}
	if value == "" {
		c.removeLines(key)
		return nil
	}
	line := key + " = " + quoteValue(value)
	last := -1
	for i, l := range c.lines {
		if _, k, _, ok := splitConfigLine(l); ok && k == key {
			last = i
		}
	}
	switch {
	case last < 0:
		c.appendLine(line)
	case isListKey(key):
		c.lines = append(c.lines[:last+1], append([]string{line}, c.lines[last+1:]...)...)
	default:
		c.lines[last] = line
		kept := c.lines[:0]
		for i, l := range c.lines {
			if _, k, _, ok := splitConfigLine(l); ok && k == key && i != last {
				continue
			}
			kept = append(kept, l)
		}
		c.lines = kept
	}
	return nil
}

// ClearItem clears key (and, for a family key, its members) and removes
// its lines from the text that Save writes.
func (c *Config) ClearItem(key string) error {
	if err := c.Clear(key); err != nil {
		return err
	}
	c.removeLines(key)
	return nil
}

// Text returns the config text Save would write.
func (c *Config) Text() string {
	return strings.Join(c.lines, "\n")
}

// Save writes the config text to path atomically: a temporary file in the
// same directory is written, synced and renamed over path, so a crash
// leaves either the old or the new file, never a truncated one. An
// existing file keeps its permissions; a new one gets 0640, as lxc-create
// makes it.
func (c *Config) Save(path string) error {
	mode := os.FileMode(0o640)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	text := c.Text()
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return writeFileAtomic(path, []byte(text), mode)
}

// appendLine adds a line at the end, before the empty string that
// represents the file's final newline.
func (c *Config) appendLine(line string) {
	if n := len(c.lines); n > 0 && c.lines[n-1] == "" {
		c.lines = append(c.lines[:n-1], line, "")
		return
	}
	c.lines = append(c.lines, line)
}

// familyMembers reports whether the line key k belongs to the family
// cleared by key.
func familyMember(key, k string) bool {
	keyTables()
	if k == key {
		return true
	}
	switch key {
	case "lxc.net", "lxc.hook", "lxc.cgroup", "lxc.cgroup2", "lxc.prlimit", "lxc.sysctl", "lxc.proc":
		return strings.HasPrefix(k, key+".") && (key != "lxc.hook" || k != "lxc.hook.version") &&
			(key != "lxc.cgroup" || exactKeys[k] == nil)
	}
	if strings.HasPrefix(key, "lxc.net.") {
		if _, sub, ok := splitNetKey(key); ok && sub == "" {
			return strings.HasPrefix(k, key+".")
		}
	}
	return false
}

func (c *Config) removeLines(key string) {
	kept := c.lines[:0]
	for _, l := range c.lines {
		if _, k, _, ok := splitConfigLine(l); ok && familyMember(key, k) {
			continue
		}
		kept = append(kept, l)
	}
	c.lines = kept
}

// quoteValue quotes a value that the parser would otherwise change.
func quoteValue(v string) string {
	if v == "" {
		return v
	}
	first, last := v[0], v[len(v)-1]
	if first == ' ' || first == '\t' || last == ' ' || last == '\t' ||
		((first == '"' || first == '\'') && last == first && len(v) >= 2) {
		if !strings.Contains(v, `"`) {
			return `"` + v + `"`
		}
		return `'` + v + `'`
	}
	return v
}

// writeFileAtomic writes data to path through a synced temporary file in
// the same directory and a rename; the directory is synced afterwards so
// the rename survives a crash.
func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
