// Native x402 v2 payments: `exact` scheme, EVM, EIP-3009 tokens.
// Flow per paid call: buildPaymentRequired (402) → verifyX402Payment → reserveX402Payment (inside
// the job's transaction) → run the job → settleX402Payment on success | releaseX402Payment on failure.
// The tool-call side (402 requirements, settle-or-release after the job) is lib/tools/x402.ts.
export { getX402Config, isX402Enabled, type X402Config } from "./config";
export {
  MCP_PAYMENT_META_KEY,
  MCP_PAYMENT_RESPONSE_META_KEY,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  buildPaymentRequired,
  buildPaymentRequirements,
  toAtomicAmount,
  type X402Service,
} from "./requirements";
export { decodeX402Header, verifyX402Payment, x402ExternalRef, type VerifiedX402Payment } from "./verify";
export {
  releaseX402Payment,
  reserveX402Payment,
  settleX402Payment,
  x402JobDeadlineMs,
  type X402SettleOutcome,
} from "./payments";
export {
  createFacilitatorSettler,
  createRpcSettler,
  getX402Settler,
  setX402SettlerForTests,
  X402SettleError,
  type X402Settler,
  type X402SettleResult,
} from "./settler";
export { mcpPaymentResponseMeta, paymentFromMcpMeta } from "./mcp";
