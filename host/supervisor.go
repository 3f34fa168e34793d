// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// externalPlugin supervises one plugin process: it starts it, restarts it
// with backoff when it exits, and forwards requests to it.
type externalPlugin struct {
	id      string
	argv    []string
	environ []string
	limits  ExternalLimits
	dial    []grpc.DialOption
	logger  *slog.Logger // the host's, with plugin_id

	mu       sync.Mutex
	state    string
	conn     *pluginConn // nil unless running
	restarts int
	lastErr  string
	// decl and protocol are those of the last start: a restarting plugin
	// keeps its public routes, so that their callers get 503, not 401.
	decl     *declaration
	protocol int

	started    bool          // supervise was started; guarded by mu
	firstStart chan struct{} // closed when the first start has succeeded or failed
	firstOnce  sync.Once
	killProc   context.CancelFunc // cancels the current process's context; guarded by mu
	cmd        *exec.Cmd          // the current process; guarded by mu
	life       context.Context    // ends when stop is called
	endLife    context.CancelFunc
	stopCh     chan struct{}
	stopOnce   sync.Once
	stopCtx    context.Context
	done       chan struct{}
}

var _ http.Handler = (*externalPlugin)(nil)

// newExternalPlugin prepares the supervisor of a plugin. traced says
// whether tp may record spans at all (it does not with the sampler
// always_off).
func newExternalPlugin(id string, argv, environ []string, limits ExternalLimits, tp trace.TracerProvider, prop propagation.TextMapPropagator, traced bool, logger *slog.Logger) *externalPlugin {
	p := &externalPlugin{
		id: id, argv: argv, environ: environ, limits: limits,
		logger: logger.With("plugin_id", id),
		dial: []grpc.DialOption{
			grpc.WithStatsHandler(pluginproto.ClientStats(tp, prop, traced)),
			grpc.WithDefaultCallOptions(
				grpc.MaxCallRecvMsgSize(pluginproto.MaxMessageSize),
				grpc.MaxCallSendMsgSize(pluginproto.MaxMessageSize),
			),
			grpc.WithInitialWindowSize(pluginproto.StreamWindow),
			grpc.WithInitialConnWindowSize(pluginproto.ConnWindow),
		},
		state:      StateStarting,
		stopCh:     make(chan struct{}),
		done:       make(chan struct{}),
		firstStart: make(chan struct{}),
	}
	p.life, p.endLife = context.WithCancel(context.Background())
	return p
}

// errStopped ends a start that stop interrupted.
var errStopped = errors.New("stopped while starting")

// failure is a failed start or run of a plugin. Its reason is short and
// says what happened; it is what /api/plugins shows. The error it wraps is
// the detail, for the log only: go-plugin's errors quote the command and
// the plugin's output.
type failure struct {
	reason string
	err    error
}

func (f *failure) Error() string {
	if f.err == nil {
		return f.reason
	}
	return f.reason + ": " + f.err.Error()
}

func (f *failure) Unwrap() error { return f.err }

// reason returns the short reason of err, fit for /api/plugins.
func reason(err error) string {
	if f, ok := errors.AsType[*failure](err); ok {
		return f.reason
	}
	return "failed"
}

// handshakeFailure names what went wrong in go-plugin's start-up of the
// plugin, from the error texts go-plugin has for it.
func handshakeFailure(err error, timeout time.Duration) error {
	msg := strings.ToLower(err.Error())
	why := "handshake failed"
	switch {
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission):
		why = "the command could not be run"
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		why = fmt.Sprintf("did not start within %v", timeout)
	case strings.Contains(msg, "plugin exited before we could connect"), strings.Contains(msg, "failed to read any lines"):
		why = "exited during the handshake"
	case strings.Contains(msg, "incompatible api version"):
		why = fmt.Sprintf("incompatible API version: this host speaks plugin protocol versions %d and %d; rebuild the plugin with a matching plugtrace",
			pluginproto.ProtocolVersion1, pluginproto.ProtocolVersion2)
	}
	return &failure{reason: why, err: err}
}

// exited is the failure of a process that exited while it served. Its
// state is set once go-plugin reports the exit (pluginproto.Client.Exited
// is closed after the process was waited for).
func (p *externalPlugin) exited() error {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.ProcessState == nil {
		return &failure{reason: "exited"}
	}
	ps := cmd.ProcessState
	if code := ps.ExitCode(); code >= 0 {
		return &failure{reason: fmt.Sprintf("exited with status %d", code)}
	}
	return &failure{reason: "exited (" + ps.String() + ")"} // signal: killed
}

// info reports the plugin for /api/plugins.
func (p *externalPlugin) info() PluginInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	info := PluginInfo{
		ID: p.id, Kind: KindExternal, State: p.state, Mount: mountPath(p.id),
		Restarts: p.restarts, LastError: p.lastErr, Protocol: p.protocol,
	}
	if p.decl != nil {
		info.Version = p.decl.version
	}
	return info
}

// isOpen reports whether r is to a route that the plugin opened to
// anonymous callers. A restart describes the plugin anew.
func (p *externalPlugin) isOpen(r *http.Request) bool {
	p.mu.Lock()
	decl := p.decl
	p.mu.Unlock()
	return decl.match(r, p.prefix())
}

func (p *externalPlugin) set(state string, conn *pluginConn, err error) {
	p.mu.Lock()
	p.state, p.conn = state, conn
	if conn != nil {
		p.decl, p.protocol = conn.decl, conn.version
	}
	if err != nil {
		p.lastErr = reason(err)
	}
	p.mu.Unlock()
	if state != StateStarting {
		p.firstOnce.Do(func() { close(p.firstStart) })
	}
}

// start launches the process and waits until it serves.
//
// The process runs under its own context, cancelled only when stop
// interrupts the handshake: go-plugin's Kill waits for a handshake in
// progress, a cancelled command does not.
func (p *externalPlugin) start() (*goplugin.Client, *pluginConn, error) {
	procCtx, killProc := context.WithCancel(context.Background())
	cmd := exec.CommandContext(procCtx, p.argv[0], p.argv[1:]...)
	cmd.Env = p.environ
	p.mu.Lock()
	p.killProc, p.cmd = killProc, cmd
	p.mu.Unlock()
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: pluginproto.Handshake,
		// Every version this host speaks; the plugin picks the newest it
		// speaks too, and NegotiatedVersion says which.
		VersionedPlugins: pluginproto.VersionedPlugins(nil, nil),
		Cmd:              cmd,
		SkipHostEnv:      true, // the host's environment, OTEL_* included, stays in the host
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     p.limits.StartTimeout,
		GRPCDialOptions:  p.dial,
		// go-plugin's own records and the plugin's log lines, as records
		// of the host's logger: go-plugin hands the lines to pluginLog,
		// and logs its own records through the adapter.
		Logger: newHCLogAdapter(p.logger, "plugin", filepath.Base(cmd.Path)),
		Stderr: &pluginLog{logger: p.logger, name: "plugin." + filepath.Base(cmd.Path)},
	})
	// The handshake can take up to the start timeout; stop must not wait
	// for it.
	type handshake struct {
		rpc goplugin.ClientProtocol
		err error
	}
	hs := make(chan handshake, 1)
	go func() {
		c, err := client.Client()
		hs <- handshake{c, err}
	}()
	var rpcClient goplugin.ClientProtocol
	var err error
	select {
	case r := <-hs:
		rpcClient, err = r.rpc, r.err
	case <-p.life.Done():
		killProc()
		<-hs
		client.Kill()
		return nil, nil, errStopped
	}
	if err != nil {
		client.Kill()
		killProc()
		return nil, nil, handshakeFailure(fmt.Errorf("start %s: %w", p.argv[0], err), p.limits.StartTimeout)
	}
	conn, err := dispense(client, rpcClient)
	if err != nil {
		client.Kill()
		killProc()
		return nil, nil, &failure{reason: "handshake failed", err: err}
	}
	ctx, cancel := context.WithTimeout(p.life, p.limits.StartTimeout)
	defer cancel()
	err = conn.checkHealth(ctx)
	var invalid []invalidRoute
	if err == nil {
		invalid, err = conn.describe(ctx)
	}
	if err != nil {
		client.Kill()
		killProc()
		return nil, nil, err
	}
	for _, r := range invalid {
		p.logger.Warn("external plugin declared an invalid public route; ignored", "pattern", r.pattern, "error", r.err)
	}
	return client, conn, nil
}

// supervise runs the plugin until stop, restarting it when it exits.
func (p *externalPlugin) supervise() {
	defer close(p.done)
	backoff := p.limits.MinBackoff
	for {
		started := time.Now()
		client, conn, err := p.start()
		if errors.Is(err, errStopped) || (err != nil && p.life.Err() != nil) {
			p.set(StateStopped, nil, nil)
			return
		}
		if err == nil {
			p.set(StateRunning, conn, nil)
			p.logger.Info("external plugin running", "protocol", conn.version)
			if p.waitExitOrStop(conn) {
				p.set(StateStopping, nil, nil)
				p.flushAndKill(client, conn)
				p.set(StateStopped, nil, nil)
				return
			}
			err = p.exited()
			p.kill(client)
			if time.Since(started) > 30*time.Second {
				backoff = p.limits.MinBackoff // it ran well for a while
			}
		}
		p.set(StateCrashed, nil, err)
		p.logger.Warn("external plugin down; restarting", "error", err, "backoff", backoff)
		select {
		case <-p.stopCh:
			p.set(StateStopped, nil, nil)
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, p.limits.MaxBackoff)
		p.mu.Lock()
		p.restarts++
		p.state = StateStarting
		p.mu.Unlock()
	}
}

// waitExitOrStop reports true when stop was requested, false when the
// process exited by itself.
func (p *externalPlugin) waitExitOrStop(conn *pluginConn) bool {
	select {
	case <-p.stopCh:
		return true
	case <-conn.exited:
		return false
	}
}

// flushAndKill asks the plugin to export its spans, then stops it.
func (p *externalPlugin) flushAndKill(client *goplugin.Client, conn *pluginConn) {
	if err := conn.flush(p.stopCtx); err != nil {
		p.logger.Warn("external plugin did not flush its spans", "error", err)
	}
	p.kill(client)
}

// kill stops the process gracefully (go-plugin's Kill) and then releases
// its context.
func (p *externalPlugin) kill(client *goplugin.Client) {
	client.Kill()
	p.mu.Lock()
	if p.killProc != nil {
		p.killProc()
		p.killProc = nil
	}
	p.mu.Unlock()
}

// run starts supervising the plugin.
func (p *externalPlugin) run() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.stopCh: // stopped before it ever ran
		p.state = StateStopped
		p.firstOnce.Do(func() { close(p.firstStart) })
		return
	default:
	}
	p.started = true
	go p.supervise()
}

// stop stops the plugin after asking it to flush, waiting no longer than
// ctx allows: a plugin caught in its start-up handshake is stopped by its
// supervisor once the handshake ends.
func (p *externalPlugin) stop(ctx context.Context) {
	p.stopOnce.Do(func() {
		p.stopCtx = ctx
		close(p.stopCh)
		p.endLife()
	})
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if !started {
		return // run sees stopCh closed and never starts
	}
	select {
	case <-p.done:
	case <-ctx.Done():
	}
}
