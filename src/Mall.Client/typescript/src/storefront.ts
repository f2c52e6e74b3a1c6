// What the storefront's script does, written against the generated client: if an endpoint it relies on changes
// shape, `tsc --strict` (./build.sh test) fails here. The admin console imports the same client.
import { MallClient, OrderStatus, PaymentActionKind, type Order, type ProblemDetails } from "./mall-client";

/** A client for the mall at `baseUrl` that sends the shopper's bearer token, if any. */
export function shopperClient(baseUrl: string, token?: string): MallClient {
  return new MallClient(baseUrl, {
    fetch: (url: RequestInfo, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      if (token) headers.set("Authorization", `Bearer ${token}`);
      return fetch(url, { ...init, headers });
    },
  });
}

/** Logs in and answers the access token. */
export async function logIn(client: MallClient, login: string, password: string): Promise<string> {
  const token = await client.postAuthLogin({ login, password });
  if (!token.accessToken) throw new Error("the mall answered no access token");
  return token.accessToken;
}

/** Places an order for one SKU (once per key) and starts paying it: the URL to send the shopper to, if any. */
export async function buyNow(client: MallClient, skuId: number, quantity: number, addressId: number, key: string): Promise<{ order: Order; payUrl?: string }> {
  const order = await client.postOrders({ lines: [{ skuId, quantity }], addressId }, key);
  if (order.status !== OrderStatus.PendingPayment || order.id === undefined) return { order };
  const payment = await client.postOrdersByIdPayments(order.id, { provider: "sandbox" });
  return { order, payUrl: payment.action.kind === PaymentActionKind.Redirect ? payment.action.url ?? undefined : undefined };
}

/** The message to show for a refused call: the problem's detail, or its first field error. */
export function problemMessage(problem: ProblemDetails): string {
  const firstField = problem.errors ? Object.values(problem.errors)[0]?.[0] : undefined;
  return problem.detail ?? firstField ?? problem.title ?? "Something went wrong";
}

/** The price of the cheapest SKU of a product, formatted in yuan. */
export async function priceOf(client: MallClient, productId: number): Promise<string> {
  const product = await client.storefront_GetProduct(productId);
  const cheapest = Math.min(...product.skus.map((s) => s.price));
  return `¥${cheapest.toFixed(2)}`;
}
