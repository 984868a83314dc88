import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createPublicClient, createWalletClient, defineChain, getAddress, http, type Abi, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** anvil's standard, public development keys (never hold real value). */
export const DEV_KEYS = {
  seller: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  payer: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  payTo: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  stranger: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
} as const satisfies Record<string, Hex>;

const ANVIL_BIN = path.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
const TOKEN_ARTIFACT = path.resolve("e2e/fixtures/x402/test-usdc.json");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type LocalChain = {
  rpcUrl: string;
  chainId: number;
  token: `0x${string}`;
  tokenName: string;
  tokenVersion: string;
  balanceOf(address: `0x${string}`): Promise<bigint>;
  stop(): Promise<void>;
};

/**
 * Starts anvil on 127.0.0.1 (random free port, chain id 31337), deploys the committed EIP-3009
 * test token (e2e/fixtures/x402/test-usdc.json) and mints `mint` atomic units to the payer.
 * Always call stop() (afterAll), also after failures.
 */
export async function startLocalChain(params: {
  mint: bigint;
  tokenName?: string;
  tokenVersion?: string;
}): Promise<LocalChain> {
  if (!existsSync(ANVIL_BIN)) throw new Error(`anvil binary missing at ${ANVIL_BIN} (devDependency @foundry-rs/anvil)`);
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    ANVIL_BIN,
    ["--host", "127.0.0.1", "--port", String(port), "--chain-id", "31337", "--silent"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let exited = false;
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
  child.once("exit", () => void (exited = true));
  // Safety net if the test process ends without afterAll (a crash): never leave anvil behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await gone;
    clearTimeout(timer);
  };
  try {
    const chain = defineChain({
      id: 31337,
      name: "anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (exited) throw new Error(`anvil exited: ${stderr}`);
      try {
        await publicClient.getChainId();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error("anvil did not start in 15 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const artifact = JSON.parse(readFileSync(TOKEN_ARTIFACT, "utf8")) as { abi: Abi; bytecode: Hex };
    const deployer = createWalletClient({
      account: privateKeyToAccount(DEV_KEYS.seller),
      chain,
      transport: http(rpcUrl),
    });
    const tokenName = params.tokenName ?? "USD Coin";
    const tokenVersion = params.tokenVersion ?? "2";
    const deployHash = await deployer.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [tokenName, "USDC", tokenVersion],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
    const token = getAddress(receipt.contractAddress!);
    const mintHash = await deployer.writeContract({
      address: token,
      abi: artifact.abi,
      functionName: "mint",
      args: [privateKeyToAccount(DEV_KEYS.payer).address, params.mint],
    });
    await publicClient.waitForTransactionReceipt({ hash: mintHash });
    return {
      rpcUrl,
      chainId: 31337,
      token,
      tokenName,
      tokenVersion,
      balanceOf: async (address) =>
        (await publicClient.readContract({
          address: token,
          abi: artifact.abi,
          functionName: "balanceOf",
          args: [address],
        })) as bigint,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
