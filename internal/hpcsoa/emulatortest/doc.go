// Package emulatortest holds the integration test of the hpcsoa client against the project's
// HPC Pack emulator (internal/emulator/hpcpack). It lives apart from the hpcsoa unit tests so
// that those never depend on the emulator.
package emulatortest
