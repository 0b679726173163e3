import { handleGatewayRoute } from "@/lib/gateway/next-adapter";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export {
  handleGatewayRoute as GET,
  handleGatewayRoute as HEAD,
  handleGatewayRoute as POST,
  handleGatewayRoute as PUT,
  handleGatewayRoute as PATCH,
  handleGatewayRoute as DELETE,
  handleGatewayRoute as OPTIONS,
};
