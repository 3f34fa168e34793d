// SPDX-License-Identifier: Apache-2.0

package plugincheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/plugtrace/plugtrace/tracing"
)

// The checks, in the order Run runs them.
const (
	CheckHandshake = "handshake" // go-plugin's handshake; the negotiated protocol version
	CheckHealth    = "health"    // go-plugin's gRPC health service and the CheckHealth RPC
	CheckDescribe  = "describe"  // Describe, in protocol 2 only
	CheckRequest   = "request"   // GET Options.Path through CallResource
	CheckTrace     = "trace"     // the plugin's spans reach the relay as children of the call's span
	CheckFlush     = "flush"     // the Flush RPC
	CheckStop      = "stop"      // the process exits by itself when asked to shut down
)

// Checks lists the checks in order.
var Checks = []string{CheckHandshake, CheckHealth, CheckDescribe, CheckRequest, CheckTrace, CheckFlush, CheckStop}

// Defaults of Options.
const (
	DefaultPath    = "/"
	DefaultTimeout = 10 * time.Second
)

// Principal is the caller the check's request carries: a service.
const Principal = "plugtrace-check"

// Options configures Run.
type Options struct {
	// PluginID is the id the plugin is started as; the hand-off names it
	// (PLUGTRACE_PLUGIN_ID, OTEL_SERVICE_NAME). Required.
	PluginID string
	// Command is the plugin's argv, as plugins[].command in the host's
	// config: the first element is the executable, looked up in PATH when
	// it has no slash. Required.
	Command []string
	// Path is the path of the request, below the plugin's mount, with an
	// optional query ("/forecast?city=Paris"). Default DefaultPath.
	Path string
	// Timeout bounds each check. Default DefaultTimeout.
	Timeout time.Duration
}

// Validate reports what is wrong with o, naming the option.
func (o Options) Validate() error {
	if err := tracing.ValidatePluginID(o.PluginID); err != nil {
		return fmt.Errorf("plugin id: %w", err)
	}
	if len(o.Command) == 0 || o.Command[0] == "" {
		return errors.New("command: the plugin's command is required")
	}
	if o.Path != "" {
		if !strings.HasPrefix(o.Path, "/") {
			return fmt.Errorf("path %q: must start with /", o.Path)
		}
		if _, err := url.ParseRequestURI(o.Path); err != nil {
			return fmt.Errorf("path %q: not a path with an optional query", o.Path)
		}
	}
	if o.Timeout < 0 {
		return fmt.Errorf("timeout %v: must be positive", o.Timeout)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// Failure is the error of a failed check. Run has printed it.
type Failure struct {
	Check  string // one of Checks
	Reason string // what went wrong, and where possible what to do
}

func (f *Failure) Error() string { return "plugin check: " + f.Check + ": " + f.Reason }

// Run starts the plugin and runs the checks in order, writing one line per
// check to out:
//
//	ok   handshake  protocol 2, pid 1234
//	FAIL trace      no spans within 10s: is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT honoured?
//
// It stops at the first failure, printing the last lines the plugin wrote
// to stderr under it, and returns a *Failure; it returns another error only
// for invalid options (nothing was started) or when the check itself could
// not be set up. The plugin process never outlives Run. Cancelling ctx
// stops the check and the plugin.
func Run(ctx context.Context, opts Options, out io.Writer) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	c, err := newChecker(opts.withDefaults(), out)
	if err != nil {
		return err
	}
	defer c.close()
	steps := []struct {
		name string
		run  func(context.Context) (string, error)
	}{
		{CheckHandshake, c.handshake},
		{CheckHealth, c.health},
		{CheckDescribe, c.describe},
		{CheckRequest, c.request},
		{CheckTrace, c.trace},
		{CheckFlush, c.flush},
		{CheckStop, c.stop},
	}
	for _, s := range steps {
		detail, err := s.run(ctx)
		if skip, ok := errors.AsType[skipped](err); ok {
			c.line("skip", s.name, string(skip))
			continue
		}
		if err != nil {
			reason := err.Error()
			if ctx.Err() != nil {
				reason = "interrupted: " + ctx.Err().Error()
			}
			c.line("FAIL", s.name, reason)
			c.printStderr()
			return &Failure{Check: s.name, Reason: reason}
		}
		c.line("ok", s.name, detail)
	}
	return nil
}

// skipped is the "error" of a check that does not apply: its detail says
// why.
type skipped string

func (s skipped) Error() string { return string(s) }

// checker is the state of one Run.
type checker struct {
	opts Options
	out  io.Writer

	relay *relay
	tp    *sdktrace.TracerProvider
	local *localSpans

	// Set by the handshake.
	cmd      *exec.Cmd
	killProc context.CancelFunc
	client   *goplugin.Client
	rpc      goplugin.ClientProtocol
	conn     *pluginConn
	stderr   *lineTail // the plugin's stderr
	logs     *lineTail // go-plugin's records

	// Set by the request and the trace check.
	call     trace.SpanContext // the request's client span
	flushErr error
	flushed  bool
}

func newChecker(opts Options, out io.Writer) (*checker, error) {
	r, err := newRelay()
	if err != nil {
		return nil, fmt.Errorf("plugin check: relay: %w", err)
	}
	local := &localSpans{ids: map[trace.SpanID]bool{}}
	return &checker{
		opts:   opts,
		out:    out,
		relay:  r,
		local:  local,
		tp:     sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(local)),
		stderr: &lineTail{max: 20},
		logs:   &lineTail{max: 50},
	}, nil
}

// close stops whatever still runs: the plugin (at once: a check has
// failed, or its stop has run), the relay and the tracer provider.
func (c *checker) close() {
	if c.client != nil {
		c.killProc()
		c.client.Kill()
	}
	c.relay.stop()
	_ = c.tp.Shutdown(context.Background())
}

func (c *checker) line(status, check, detail string) {
	fmt.Fprintf(c.out, "%-4s %-9s  %s\n", status, check, detail)
}

// stderrLines is how many of the plugin's last stderr lines a failure shows.
const stderrLines = 10

func (c *checker) printStderr() {
	var lines []string
	for _, l := range c.stderr.Lines() {
		if !chatter(l) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(c.out, "     the plugin's stderr ended with:\n")
	for _, l := range lines[max(0, len(lines)-stderrLines):] {
		fmt.Fprintf(c.out, "       %s\n", l)
	}
}

// chatter reports whether line is a debug or trace record of go-plugin's
// JSON log format, such as the "plugin address" go-plugin's server logs at
// start-up: noise under a failure.
func chatter(line string) bool {
	var rec struct {
		Level string `json:"@level"`
	}
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &rec) != nil {
		return false
	}
	return rec.Level == "debug" || rec.Level == "trace"
}

// timeout returns ctx bounded by the check's timeout.
func (c *checker) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.Timeout)
}
