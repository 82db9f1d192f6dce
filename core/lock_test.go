package core

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// storeTestLockDir points lock files of a test into its temp dir.
func storeTestLockDir(t *testing.T) {
	t.Helper()
	t.Setenv("_LXC_LOCK_DIR", t.TempDir())
}

func TestLockExcludes(t *testing.T) {
	storeTestLockDir(t)
	st := &Store{Path: t.TempDir()}
	l1, err := st.Lock("c1")
	if err != nil {
		t.Fatal(err)
	}
	// OFD locks conflict between open file descriptions, also inside one
	// process.
	if _, err := st.TryLock("c1"); !errors.Is(err, unix.EWOULDBLOCK) {
		t.Fatalf("TryLock while held: %v, want EWOULDBLOCK", err)
	}
	// Another container is independent.
	l2, err := st.TryLock("c2")
	if err != nil {
		t.Fatalf("TryLock other container: %v", err)
	}
	l2.Unlock()

	var mu sync.Mutex
	got := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		l, err := st.Lock("c1")
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		got = true
		mu.Unlock()
		l.Unlock()
	}()
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	if got {
		t.Fatal("second Lock did not wait")
	}
	mu.Unlock()
	l1.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Lock did not proceed after Unlock")
	}
	// The lock file stays: removing it would break the protocol.
	if _, err := os.Stat(st.LockPath("c1")); err != nil {
		t.Fatalf("lock file: %v", err)
	}
}

func TestLockRefusesBadNames(t *testing.T) {
	storeTestLockDir(t)
	st := &Store{Path: t.TempDir()}
	for _, n := range []string{"../x", "a/b", "..", ".", "a\nb", ""} {
		if l, err := st.Lock(n); err == nil {
			l.Unlock()
			t.Errorf("Lock(%q) succeeded", n)
		}
	}
}

func TestLockRefusesSymlink(t *testing.T) {
	storeTestLockDir(t)
	st := &Store{Path: t.TempDir()}
	if err := os.MkdirAll(LockRoot(st.Path), 0o755); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir() + "/victim"
	if err := os.Symlink(target, st.LockPath("c")); err != nil {
		t.Fatal(err)
	}
	if l, err := st.Lock("c"); err == nil {
		l.Unlock()
		t.Fatal("Lock followed a symlinked lock file")
	}
	if _, err := os.Lstat(target); err == nil {
		t.Fatal("symlink target was created")
	}
}
