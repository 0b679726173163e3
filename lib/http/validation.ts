import type { z } from "zod";
import { invalidInput } from "@/lib/http/problems";

/** Parses input at the edge: a failure becomes a 400 problem listing every field that is wrong. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })));
}
