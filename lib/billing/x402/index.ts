// Native x402 v2 payments: `exact` scheme, EVM, EIP-3009 tokens.
// Flow per paid call: buildPaymentRequired (402) → verifyX402Payment → reserveX402Payment (inside
// the job's transaction) → run the job → settleX402Payment on success | releaseX402Payment on failure.
// The tool-call side (402 requirements, settle-or-release after the job) is lib/tools/x402.ts.
export { getX402Config, isX402Enabled } from "./config";
export {
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  buildPaymentRequired,
  type X402Service,
} from "./requirements";
export { verifyX402Payment, x402ExternalRef, type VerifiedX402Payment } from "./verify";
export { releaseX402Payment, reserveX402Payment, settleX402Payment, x402JobDeadlineMs } from "./payments";
export { createRpcSettler, getX402Settler, setX402SettlerForTests, X402SettleError } from "./settler";
export { mcpPaymentResponseMeta, paymentFromMcpMeta } from "./mcp";
