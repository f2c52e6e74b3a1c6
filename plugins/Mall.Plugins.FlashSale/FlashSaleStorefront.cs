using Mall.Web.Themes;

namespace Mall.Plugins.FlashSale;

/// <summary>On product pages (zone <c>product_after_price</c>): the product's flash sale running now or next, its price, units left and a countdown.</summary>
public sealed class FlashSaleProductWidget(FlashSaleStore store, TimeProvider clock) : IStorefrontWidget
{
    /// <inheritdoc />
    public string Zone => "product_after_price";

    /// <inheritdoc />
    public string Template => """
        <div class="flashsale-widget" data-item-id="{{ itemId }}" data-ends="{{ endsAt }}" data-starts="{{ startsAt }}">
          <span class="flashsale-tag">秒杀 Flash sale</span> <strong>{{ money flashPrice }}</strong>
          {{ if running }}· 剩 {{ available }} 件 left · <span class="countdown" data-until="{{ endsAt }}">{{ date endsAt }}</span> 结束 ends
          {{ else }}· <span class="countdown" data-until="{{ startsAt }}">{{ date startsAt }}</span> 开始 starts{{ end }}
          <a class="flashsale-link" href="/flashsale">去秒杀 Go</a>
        </div>
        <script>
        """ + FlashSalePages.CountdownScript + """
        </script>
        """;

    /// <inheritdoc />
    public async Task<object?> ModelAsync(WidgetContext context, CancellationToken cancellationToken)
    {
        if (context.ProductId is null || context.SkuIds.Count == 0) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        // From the plugin's short-lived snapshot of its items: no query per product page.
        var found = new List<(FlashItem Item, FlashSession Session)>();
        foreach (var sku in context.SkuIds) found.AddRange(await store.ForSkuAsync(sku, cancellationToken));
        var next = found.Where(f => f.Session.EndsAt > now).OrderBy(f => f.Session.StartsAt).FirstOrDefault();
        if (next.Item is null) return null;
        return new WidgetModel(next.Item.Id, next.Item.FlashPrice, Math.Max(0, next.Item.Available), next.Session.StartsAt <= now, next.Session.StartsAt.ToString("O"), next.Session.EndsAt.ToString("O"));
    }

    private sealed record WidgetModel(long ItemId, decimal FlashPrice, int Available, bool Running, string StartsAt, string EndsAt);
}

/// <summary>The plugin's storefront page (<c>/flashsale</c>), rendered inside the active theme.</summary>
internal static class FlashSalePages
{
    /// <summary>The model of <c>/flashsale</c>.</summary>
    public sealed record SessionsPage(IReadOnlyList<FlashSession> Sessions, DateTime Now);

    // Counts every [data-until] element down to its time, once a second.
    public const string CountdownScript =
        "(function(){function tick(){document.querySelectorAll('.countdown[data-until]').forEach(function(e){var s=Math.max(0,Math.floor((Date.parse(e.dataset.until)-Date.now())/1000));" +
        "var h=Math.floor(s/3600),m=Math.floor(s%3600/60),x=s%60;e.textContent=(h<10?'0':'')+h+':'+(m<10?'0':'')+m+':'+(x<10?'0':'')+x;});}tick();setInterval(tick,1000);})();";

    // Attempting: the shopper's default (else first) address, one unit, one key per page view (a double tap is one
    // attempt); a queued ticket is polled until its order exists, then the order page opens to pay.
    private const string AttemptScript =
        "function fsBuy(item,box){var t=localStorage.getItem('mall_token');if(!t){location.href='/login?next='+encodeURIComponent(location.pathname);return;}" +
        "var h={'Authorization':'Bearer '+t,'Content-Type':'application/json'};window.fsKey=window.fsKey||('fs-'+item+'-'+Date.now());" +
        "fetch('/api/v1/me/addresses',{headers:h}).then(function(r){return r.json();}).then(function(a){a=a.items||a;var d=(a.filter(function(x){return x.isDefault;})[0]||a[0]);" +
        "return fetch('/api/plugins/flashsale/items/'+item+'/attempts',{method:'POST',headers:h,body:JSON.stringify({quantity:1,key:window.fsKey,addressId:d?d.id:null})});})" +
        ".then(function(r){return r.json();}).then(function poll(x){if(x.orderId){location.href='/orders/'+x.orderId;return;}if(x.ticket&&x.status==='queued'){box.textContent='排队中 Queued…';" +
        "setTimeout(function(){fetch('/api/plugins/flashsale/tickets/'+x.ticket,{headers:h}).then(function(r){return r.json();}).then(poll);},500);return;}box.textContent=x.error||x.detail||x.title||'';});}";

    public const string SessionsTemplate = """
        <section class="flashsale">
          <h1>秒杀 Flash sale</h1>
          {{ for session in sessions }}
          <article class="flashsale-session" data-session-id="{{ session.id }}">
            <h2>{{ session.name }}</h2>
            <p class="window">{{ date session.startsAt }} – {{ date session.endsAt }} · <span class="countdown" data-until="{{ if session.startsAt > now }}{{ session.startsAt }}{{ else }}{{ session.endsAt }}{{ end }}"></span></p>
            <ul class="items">{{ for item in session.items }}<li data-item-id="{{ item.id }}" data-sku-id="{{ item.skuId }}">{{ money item.flashPrice }} · 剩 {{ item.available }} 件 left · 每人限 {{ item.perShopperLimit }} per shopper
              {{ if session.startsAt <= now && item.available > 0 }}<button type="button" class="primary flashsale-buy" onclick="fsBuy({{ item.id }},this.parentNode.querySelector('.notice'))">抢 Buy</button>{{ end }}<span class="notice" role="status"></span></li>{{ end }}</ul>
          </article>
          {{ end }}
          {{ if sessions.size == 0 }}<p class="empty">暂无秒杀 No flash sale now.</p>{{ end }}
        </section>
        <script>
        """ + CountdownScript + AttemptScript + """
        </script>
        """;
}
