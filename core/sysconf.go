package core

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// SysConfig is the system configuration, /etc/lxc/lxc.conf for root or
// ~/.config/lxc/lxc.conf otherwise (lxc.system.conf(5)).
type SysConfig struct {
	File          string
	LXCPath       string
	DefaultConfig string
	LVMVG         string
	LVMThinPool   string
	ZFSRoot       string
	CgroupUse     string
	CgroupPattern string
}

// SysConfigItems are the items lxc-config knows, in LXC's order.
var SysConfigItems = []string{
	"lxc.default_config", "lxc.lxcpath", "lxc.bdev.lvm.vg",
	"lxc.bdev.lvm.thin_pool", "lxc.bdev.zfs.root", "lxc.cgroup.use",
	"lxc.cgroup.pattern",
}

// Item returns the value of a system config item and whether it is set.
func (s *SysConfig) Item(key string) (string, bool) {
	var v string
	switch key {
	case "lxc.default_config":
		v = s.DefaultConfig
	case "lxc.lxcpath":
		v = s.LXCPath
	case "lxc.bdev.lvm.vg":
		v = s.LVMVG
	case "lxc.bdev.lvm.thin_pool":
		v = s.LVMThinPool
	case "lxc.bdev.zfs.root":
		v = s.ZFSRoot
	case "lxc.cgroup.use":
		v = s.CgroupUse
	case "lxc.cgroup.pattern":
		v = s.CgroupPattern
	default:
		return "", false
	}
	return v, v != ""
}

// SysConfigPath returns the system config file in use. The environment
// variable _LXC_SYSTEM_CONFIG overrides it (tests use a private one so
// they never depend on the host's /etc/lxc).
func SysConfigPath() string {
	if p := os.Getenv("_LXC_SYSTEM_CONFIG"); p != "" {
		return p
	}
	if os.Geteuid() == 0 {
		return "/etc/lxc/lxc.conf"
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".config/lxc/lxc.conf")
	}
	return "/etc/lxc/lxc.conf"
}

var (
	sysOnce sync.Once
	sysConf *SysConfig
)

// SystemConfig loads the system config once; unreadable or missing files
// give LXC's defaults.
func SystemConfig() *SysConfig {
	sysOnce.Do(func() { sysConf = loadSysConfig(SysConfigPath()) })
	return sysConf
}

func loadSysConfig(path string) *SysConfig {
	s := &SysConfig{
		File:          path,
		LXCPath:       DefaultLXCPath,
		DefaultConfig: "/etc/lxc/default.conf",
		LVMVG:         "lxc",
		LVMThinPool:   "lxc",
		ZFSRoot:       "lxc",
	}
	if os.Geteuid() != 0 {
		if h, err := os.UserHomeDir(); err == nil {
			s.LXCPath = filepath.Join(h, ".local/share/lxc")
			s.DefaultConfig = filepath.Join(h, ".config/lxc/default.conf")
		}
	}
	data, err := readConfigFile(path)
	if err != nil {
		return s
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), unquote(strings.TrimSpace(v))
		switch k {
		case "lxc.lxcpath":
			s.LXCPath = v
		case "lxc.default_config":
			s.DefaultConfig = v
		case "lxc.bdev.lvm.vg":
			s.LVMVG = v
		case "lxc.bdev.lvm.thin_pool":
			s.LVMThinPool = v
		case "lxc.bdev.zfs.root":
			s.ZFSRoot = v
		case "lxc.cgroup.use":
			s.CgroupUse = v
		case "lxc.cgroup.pattern":
			s.CgroupPattern = v
		}
	}
	return s
}
