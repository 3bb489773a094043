package main

// OWNED BY: adapter helper. Placeholder until the adapter lands.

import "fmt"

func runCommand(args []string) int   { fmt.Println("slipway run: not implemented yet"); return 1 }
func layerCommand(args []string) int { fmt.Println("slipway layer: not implemented yet"); return 1 }

// extensionMode reports whether argv (no arguments) means "started by Lambda as an extension".
func extensionMode(argv []string) (int, bool) { return 0, false }
