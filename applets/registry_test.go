package applets

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestMakefileToolsMatchRegistry keeps the Makefile's symlink list and the
// registry in step: a tool missing from either is not installed or not
// reachable.
func TestMakefileToolsMatchRegistry(t *testing.T) {
	data, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var tools []string
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "TOOLS") && strings.Contains(l, "=") {
			in = true
			_, l, _ = strings.Cut(l, "=")
		}
		if !in {
			continue
		}
		cont := strings.HasSuffix(strings.TrimSpace(l), "\\")
		tools = append(tools, strings.Fields(strings.TrimSuffix(strings.TrimSpace(l), "\\"))...)
		if !cont {
			break
		}
	}
	sort.Strings(tools)
	if len(tools) == 0 {
		t.Fatal("no TOOLS list in the Makefile")
	}
	if got := Names(); !reflect.DeepEqual(tools, got) {
		t.Fatalf("Makefile TOOLS = %q\nregistry      = %q", tools, got)
	}
}
