// Command nvrd is the nvr supervisor and command-line tool.
package main

import (
	"os"

	"github.com/nvrproject/nvr/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
