// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/handoff"
	"github.com/plugtrace/plugtrace/internal/pluginproto"
)

// hostEnv lists the variables of the check's own environment that the
// plugin inherits, as a host's plugins do: enough to run, nothing secret.
var hostEnv = []string{"PATH", "HOME", "USER", "TMPDIR", "TZ", "LANG", "LC_ALL", "SYSTEMROOT"}

// environ is the plugin's whole environment: the few variables it needs to
// run and the hand-off a host with the default configuration gives it,
// exporting to the check's relay.
func (c *checker) environ() []string {
	var env []string
	for _, k := range hostEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	s := handoff.Settings{
		PluginID:    c.opts.PluginID,
		Enabled:     true,
		Propagators: []string{"tracecontext", "baggage"},
		Sampler:     "parentbased_always_on",
		ServiceName: c.opts.PluginID,
		Endpoint:    c.relay.endpoint(),
		Protocol:    config.ProtocolGRPC,
		Headers:     map[string]string{"authorization": "Bearer " + c.relay.token},
	}
	return append(env, s.Environ()...)
}

// propagator is the one the hand-off names.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// handshake starts the plugin with go-plugin, as the host does.
func (c *checker) handshake(ctx context.Context) (string, error) {
	argv := c.opts.Command
	if _, err := exec.LookPath(argv[0]); err != nil {
		return "", notRunnable(argv[0], err)
	}
	procCtx, killProc := context.WithCancel(context.Background())
	cmd := exec.CommandContext(procCtx, argv[0], argv[1:]...)
	cmd.Env = c.environ()
	c.cmd, c.killProc = cmd, killProc
	c.client = goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  pluginproto.Handshake,
		VersionedPlugins: versionedPlugins(),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     c.opts.Timeout,
		Stderr:           c.stderr,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "go-plugin", Output: c.logs, Level: hclog.Info}),
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithStatsHandler(otelgrpc.NewClientHandler(
				otelgrpc.WithTracerProvider(c.tp),
				otelgrpc.WithPropagators(propagator),
				otelgrpc.WithFilter(traced),
			)),
			grpc.WithDefaultCallOptions(
				grpc.MaxCallRecvMsgSize(pluginproto.MaxMessageSize),
				grpc.MaxCallSendMsgSize(pluginproto.MaxMessageSize),
			),
		},
	})
	type result struct {
		rpc goplugin.ClientProtocol
		err error
	}
	done := make(chan result, 1)
	go func() {
		rpc, err := c.client.Client()
		done <- result{rpc, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		killProc()
		<-done
		return "", ctx.Err()
	}
	if r.err != nil {
		// Kill waits until go-plugin has waited for the process, so that
		// its exit status is known.
		c.client.Kill()
		return "", c.handshakeFailure(r.err)
	}
	c.rpc = r.rpc
	raw, err := r.rpc.Dispense(pluginproto.PluginName)
	if err != nil {
		return "", fmt.Errorf("go-plugin could not dispense the plugin: %w", err)
	}
	c.conn = raw.(*pluginConn)
	return fmt.Sprintf("protocol %d, pid %d", c.conn.version, cmd.Process.Pid), nil
}

// notRunnable explains why exec.LookPath refused the executable.
func notRunnable(name string, err error) error {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("%s: not found in PATH", name)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", name)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%s: is a directory, not an executable", name)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: not executable (permission denied; chmod +x?)", name)
	}
	return fmt.Errorf("%s: cannot be run: %w", name, err)
}

// maxQuoted bounds how much of the plugin's output a reason quotes.
const maxQuoted = 80

var (
	pluginVersionRE = regexp.MustCompile(`Plugin version: (-?\d+)`)
	coreVersionRE   = regexp.MustCompile(`Plugin version: (\S+), Core version`)
)

// handshakeFailure explains go-plugin's error err, from its texts and what
// the process did. The process has exited and was waited for.
func (c *checker) handshakeFailure(err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOEXEC):
		return fmt.Errorf("the process could not be started: %w", err)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("no handshake within %v: the process runs but printed no line on stdout", c.opts.Timeout)
	case strings.HasPrefix(msg, "Unrecognized remote plugin message: ") && !strings.Contains(msg, "Failed to read any lines"):
		line, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		return fmt.Errorf("the first line on stdout is not a go-plugin handshake line: %s (a plugin prints nothing on stdout before it; log to stderr)", quote(line))
	case strings.HasPrefix(msg, "Unrecognized remote plugin message: "), strings.Contains(msg, "plugin exited before we could connect"):
		return c.exitedEarly()
	case strings.Contains(msg, "incompatible core API version"):
		v := "?"
		if m := coreVersionRE.FindStringSubmatch(msg); m != nil {
			v = m[1]
		}
		return fmt.Errorf("the plugin speaks go-plugin core protocol %s, not %d: rebuild it with a current go-plugin", v, goplugin.CoreProtocolVersion)
	case strings.Contains(msg, "incompatible API version"):
		v := "?"
		if m := pluginVersionRE.FindStringSubmatch(msg); m != nil {
			v = m[1]
		}
		return fmt.Errorf("the plugin speaks plugin protocol version %s; plugtrace speaks versions %s", v, versionList())
	case strings.Contains(msg, "unsupported plugin protocol"):
		return errors.New("the plugin serves go-plugin's net/rpc protocol; plugtrace plugins serve gRPC")
	case strings.Contains(msg, "Error parsing protocol version"):
		return fmt.Errorf("the handshake line's protocol version is not a number: %s", firstLine(msg))
	}
	return fmt.Errorf("handshake failed: %s", firstLine(msg))
}

// exitedEarly explains a process that ended its stdout without a
// handshake line.
func (c *checker) exitedEarly() error {
	for _, l := range c.logs.Lines() {
		if strings.Contains(l, "error encountered while scanning stdout") {
			return errors.New("the first line on stdout is not a go-plugin handshake line: it is longer than 64 KiB")
		}
	}
	ps := c.cmd.ProcessState
	if ps == nil || killed(ps) {
		return errors.New("the process closed its stdout without printing a handshake line")
	}
	why := fmt.Sprintf("the process exited with %s before the handshake, printing nothing on stdout", exitStatus(ps))
	for _, l := range c.stderr.Lines() {
		if strings.Contains(l, "This binary is a plugin. These are not meant to be executed directly") {
			return fmt.Errorf("%s: go-plugin refused the magic cookie; the plugin expects another handshake than %s", why, pluginproto.Handshake.MagicCookieKey)
		}
	}
	return errors.New(why)
}

// killed reports whether the process ended by SIGKILL: the check, or
// go-plugin, killed it.
func killed(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// exitStatus says how the process ended: "status 3", "signal: segmentation fault".
func exitStatus(ps *os.ProcessState) string {
	if code := ps.ExitCode(); code >= 0 {
		return "status " + strconv.Itoa(code)
	}
	return ps.String()
}

func versionList() string {
	s := make([]string, len(versions))
	for i, v := range versions {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// quote quotes the start of s, the plugin's own output.
func quote(s string) string {
	r := []rune(s)
	if len(r) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(string(r[:maxQuoted])) + "..."
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
