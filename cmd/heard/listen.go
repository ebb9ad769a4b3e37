package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/lib/pq"

	"heard/handlers"
)

// changeChannel is the PostgreSQL channel every change to public data
// notifies (migration 00015).
const changeChannel = "heard_changed"

// listenForChanges drops the cache whenever PostgreSQL says the public
// data changed, whoever changed it: this process, another replica, the
// scheduler or the command line. It also drops it whenever the listening
// connection is lost or comes back, since notifications sent meanwhile are
// gone. It returns when ctx is done; started reports that LISTEN is in
// place (or has failed and will be retried).
func listenForChanges(ctx context.Context, dsn string, cache *handlers.ResponseCache, log *slog.Logger) (started <-chan struct{}) {
	ready := make(chan struct{})
	l := pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnectionAttemptFailed, pq.ListenerEventDisconnected:
			log.Warn("change listener lost the database; pages are served uncached until it is back", "err", err)
			cache.Invalidate()
		case pq.ListenerEventReconnected:
			log.Info("change listener reconnected")
			cache.Invalidate()
		}
	})
	go func() {
		defer l.Close()
		if err := l.Listen(changeChannel); err != nil {
			log.Error("listen for changes", "channel", changeChannel, "err", err)
		}
		close(ready)
		ping := time.NewTicker(30 * time.Second)
		defer ping.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.Notify:
				// nil after a reconnection; either way the data may differ.
				_ = n
				cache.Invalidate()
			case <-ping.C:
				// A dead connection is noticed by the ping, not by silence.
				go func() { _ = l.Ping() }()
			}
		}
	}()
	return ready
}
