// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"

	"github.com/plugtrace/plugtrace/examples/weather"
)

func examplePlugin(args []string, stdout, _ io.Writer) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stdout, "Usage: plugtrace example-plugin weather\n\nRuns the external example plugin. A plugtrace host starts it; see plugins[].command.")
		return nil
	}
	if len(args) != 1 || args[0] != weather.ID {
		return usageErr("usage: plugtrace example-plugin weather")
	}
	return weather.Main()
}
