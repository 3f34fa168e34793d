// Package host is the plugtrace plugin host: it runs in-process plugins (and,
// in later milestones, supervises external ones) behind one HTTP server whose
// requests are traced, authenticated, and handed to plugin code with the
// caller's credentials.
//
// Every plugin is mounted at /api/<pluginId>/. The server span of each
// request is named after its route ("POST /api/todos/"), and a plugin's own
// spans are its children, so one request is one trace.
package host
