package core

// HiddenEntry is called from package main's init() with os.Args. When the
// process was started as a container init or a monitor, it runs that role
// and exits; otherwise it returns and the CLI starts.
func HiddenEntry(args []string) {
	if len(args) > 1 && args[1] == "init" {
		// The runtime issue turns this into container pid 1.
		return
	}
}
