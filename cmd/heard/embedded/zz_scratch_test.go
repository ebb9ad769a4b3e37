package embedded

import (
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"syscall"
	"time"
	"context"
)

func TestScratch(t *testing.T) {
	d := newDataDir(t)
	c := New(d, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	ctx := context.Background()
	defer c.Stop(ctx)
	st, err := c.Start(ctx)
	t.Log(st, err)
	out, _ := exec.Command("sh", "-c", "ls -la "+d+" "+c.Dir()+"; tail -3 "+c.Dir()+"/postgresql.conf; cat "+c.Dir()+"/heard.conf; psql '"+c.URL("heard")+"' -Atc 'show lc_collate; show max_connections; show fsync; show listen_addresses'").CombinedOutput()
	t.Log(string(out))
	for i := 0; i < 5; i++ {
		pid := postmasterPID(t, c)
		syscall.Kill(pid, syscall.SIGKILL)
		t0 := time.Now()
		st, err = c.Start(ctx)
		t.Log("after kill", st, err, time.Since(t0))
	}
	out, _ = exec.Command("sh", "-c", "grep -c 'still in use' "+c.Dir()+"/server.log; tail -5 "+c.Dir()+"/server.log").CombinedOutput()
	t.Log(string(out))
}
