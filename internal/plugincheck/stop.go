// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"fmt"
	"time"
)

// stopGrace is how long a host waits for a plugin to exit after the
// shutdown request before it kills it: go-plugin's Client.Kill waits 2s.
const stopGrace = 2 * time.Second

// stop asks the plugin to shut down as go-plugin's Client.Kill does (the
// controller's Shutdown, then closing the connection) and waits, bounded
// by the timeout and by what a host waits, for the process to exit by itself; one that does not is
// killed.
func (c *checker) stop(ctx context.Context) (string, error) {
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		// Close blocks while a plugin sits on the Shutdown call; the kill
		// below ends it.
		_ = c.rpc.Close()
	}()
	grace := min(c.opts.Timeout, stopGrace) // a host would not wait longer
	t := time.NewTimer(grace)
	defer t.Stop()
	var exited bool
	select {
	case <-c.conn.exited:
		exited = true
	case <-t.C:
	case <-ctx.Done():
	}
	took := time.Since(start)
	c.killProc()
	c.client.Kill() // go-plugin's clean-up: it waits for the process
	<-closed
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	ps := c.cmd.ProcessState
	if !exited {
		return "", fmt.Errorf("did not exit within %v after the shutdown request; killed", grace)
	}
	if !ps.Success() {
		return "", fmt.Errorf("exited with %s after the shutdown request", exitStatus(ps))
	}
	return fmt.Sprintf("exited by itself with status 0, %v after the shutdown request", took.Round(time.Millisecond)), nil
}
