// lib/runner: start, stop and observe UML nodes.
export { bootToPowerOff, umlCommand, guestMemoryDir, type BootResult } from './boot.ts';
