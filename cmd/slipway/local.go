package main

// OWNED BY: local helper. Placeholder until the emulator lands.

import "fmt"

func localCommand(args []string) int { fmt.Println("slipway local: not implemented yet"); return 1 }
