package main

// OWNED BY: frontdoor/inspector helper. Placeholder until the inspector lands.

import "fmt"

func inspectorCommand(args []string) int {
	fmt.Println("slipway inspector: not implemented yet")
	return 1
}
