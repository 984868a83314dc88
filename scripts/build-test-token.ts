// npx tsx scripts/build-test-token.ts
// Compiles e2e/fixtures/x402/TestUSDC.sol (an EIP-3009 test token for the x402 tests) with solc-js
// against @openzeppelin/contracts and writes e2e/fixtures/x402/test-usdc.json ({ abi, bytecode }).
// The JSON is committed so tests never compile; rerun this only after editing the .sol file.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
// solc-js ships CommonJS without types.
const solc = require("solc") as {
  version(): string;
  compile(input: string, options?: { import(p: string): { contents: string } | { error: string } }): string;
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const fixtureDir = path.join(root, "e2e/fixtures/x402");
const sourcePath = path.join(fixtureDir, "TestUSDC.sol");

function findImport(importPath: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(require.resolve(importPath), "utf8") };
  } catch {
    return { error: `not found: ${importPath}` };
  }
}

const input = {
  language: "Solidity",
  sources: { "TestUSDC.sol": { content: readFileSync(sourcePath, "utf8") } },
  settings: {
    // OpenZeppelin 5.x uses `mcopy` (Cancun); anvil 1.x runs a post-Cancun hardfork by default.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as {
  errors?: Array<{ severity: string; formattedMessage: string }>;
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
};
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const contract = output.contracts["TestUSDC.sol"]?.TestUSDC;
if (!contract) throw new Error("TestUSDC missing from the solc output");
const artifact = {
  contractName: "TestUSDC",
  compiler: `solc ${solc.version()}`,
  source: "e2e/fixtures/x402/TestUSDC.sol",
  abi: contract.abi,
  bytecode: `0x${contract.evm.bytecode.object}`,
};
writeFileSync(path.join(fixtureDir, "test-usdc.json"), `${JSON.stringify(artifact, null, 2)}\n`);
console.log(
  `wrote e2e/fixtures/x402/test-usdc.json (${contract.evm.bytecode.object.length / 2} bytes of bytecode, ${solc.version()})`,
);
