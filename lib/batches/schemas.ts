import { z } from "zod";
import { canvasPresetSchema, outputFormatSchema } from "@/lib/edits/schemas";

export const MAX_BATCH_ITEMS = 100;

/** One look for every photo: the background keys of `backgroundChangeInputSchema` (no photo keys). */
const batchLookSchema = z
  .object({
    BackgroundURL: z.string().optional(),
    backgroundAssetId: z.string().optional(),
    backgroundPresetId: z.string().optional(),
    backgroundColor: z.string().optional(),
    backgroundPrompt: z.string().optional(),
    shadow: z.boolean().optional(),
    shadowStrength: z.number().optional(),
    shadowSoftness: z.number().optional(),
    castShadow: z.boolean().optional(),
    shadowDirection: z.number().optional(),
    canvas: canvasPresetSchema.optional(),
    margin: z.number().optional(),
    subjectScale: z.number().optional(),
    subjectX: z.number().optional(),
    subjectY: z.number().optional(),
    format: outputFormatSchema.optional(),
  })
  .strict();

const batchItemSchema = z.union([
  z.object({ imageAssetId: z.string().min(1).max(64) }).strict(),
  z.object({ ImageURL: z.string().min(1).max(2048) }).strict(),
]);

export const createBatchSchema = z
  .object({
    items: z.array(batchItemSchema).min(1).max(MAX_BATCH_ITEMS, `A batch holds at most ${MAX_BATCH_ITEMS} photos.`),
    look: batchLookSchema,
    /** One token whose payment covers at least items.length edits (POST /api/payments with units = N). */
    paymentToken: z.string().max(200).optional(),
    /** Or one single-edit token per item, in order. */
    paymentTokens: z.array(z.string().max(200)).max(MAX_BATCH_ITEMS).optional(),
    /** The signed-in bulk page: spend the account's credits (one per photo). API keys need no flag. */
    payWith: z.literal("credits").optional(),
  })
  .strict()
  .refine((value) => !(value.paymentToken && value.paymentTokens), {
    message: "Give paymentToken or paymentTokens, not both.",
    path: ["paymentTokens"],
  })
  .refine((value) => !value.paymentTokens || value.paymentTokens.length === value.items.length, {
    message: "paymentTokens needs exactly one token per item.",
    path: ["paymentTokens"],
  });
export type CreateBatchInput = z.infer<typeof createBatchSchema>;

export const retryBatchSchema = z
  .object({
    indexes: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(MAX_BATCH_ITEMS - 1),
      )
      .max(MAX_BATCH_ITEMS)
      .optional(),
  })
  .strict();
