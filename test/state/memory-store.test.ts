import { MemoryStore } from "../../src/state/memory.js";
import { storeContract } from "./store-contract.js";

storeContract("memory", () => new MemoryStore());
