// SPDX-License-Identifier: Apache-2.0

package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"

	"github.com/plugtrace/plugtrace/config"
)

// demoConfig is what `plugtrace` serves without --config.
//
//go:embed demo.yaml
var demoConfig []byte

func loadConfig(file string) (*config.Config, error) {
	var (
		cfg *config.Config
		err error
	)
	if file == "" {
		cfg, err = config.Parse(demoConfig, config.WithLookupEnv(demoEnv))
	} else {
		cfg, err = config.Load(file)
	}
	if err != nil {
		return nil, &exitError{2, err}
	}
	return cfg, nil
}

// demoEnv is the environment of the demo config: the process's, plus
// PLUGTRACE_EXECUTABLE, this binary, which the demo runs as its external
// example plugin.
func demoEnv(name string) (string, bool) {
	if name == "PLUGTRACE_EXECUTABLE" {
		if exe, err := os.Executable(); err == nil {
			return exe, true
		}
	}
	return os.LookupEnv(name)
}

func configCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("config check", "plugtrace config check --config FILE", stderr)
	file := fs.String("config", "", "config `FILE` (YAML) to validate")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageErr("config check: --config FILE is required")
	}
	if _, err := loadConfig(*file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok\n", *file)
	return nil
}
