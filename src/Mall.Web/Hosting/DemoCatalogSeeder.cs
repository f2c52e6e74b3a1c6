using Mall.Catalog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Hosting;

/// <summary>
/// Seeds a realistic demo catalog on first run (when there are no products yet): a category tree, brands, 50
/// products with Chinese and English names and about 200 SKUs across colour × size matrices. On when
/// <see cref="MallOptions.DemoCatalog"/> is (the sample store and <c>dotnet new mall-store --demo-data</c>).
/// </summary>
internal sealed class DemoCatalogSeeder(
    ICategoryService categories, IBrandService brands, IProductService products, IOptions<MallOptions> options, ILogger<DemoCatalogSeeder> logger) : IHostedService
{
    private sealed record Template(string Category, string Name, decimal BasePrice, int WeightGrams, string[]? Colours, string[]? Sizes);

    private static readonly (string Parent, string[] Children)[] Tree =
    [
        ("服装 Apparel", ["男装 Menswear", "女装 Womenswear"]),
        ("数码 Electronics", ["手机配件 Phone accessories", "音频 Audio"]),
        ("家居 Home", ["厨房 Kitchen", "床品 Bedding"]),
        ("食品 Food", ["茶叶 Tea", "零食 Snacks"]),
    ];

    private static readonly string[] BrandNames = ["山川 Shanchuan", "青木 Aoki", "远航 Voyager", "云朵 Cloudy", "匠心 Artisan", "星河 Galaxy", "禾田 Hetian", "北极 Polar"];

    private static readonly string[] Colours = ["黑色 Black", "白色 White", "藏青 Navy", "红色 Red"];
    private static readonly string[] Sizes = ["S", "M", "L", "XL"];

    private static readonly Template[] Templates =
    [
        new("男装 Menswear", "纯棉圆领T恤 Cotton Crew-neck T-shirt", 59m, 220, Colours, Sizes),
        new("男装 Menswear", "修身牛仔裤 Slim-fit Jeans", 199m, 650, ["深蓝 Dark blue", "浅蓝 Light blue"], ["29", "30", "31", "32", "33"]),
        new("男装 Menswear", "轻薄羽绒服 Light Down Jacket", 399m, 480, Colours[..3], Sizes),
        new("男装 Menswear", "商务衬衫 Business Shirt", 169m, 300, ["白色 White", "浅蓝 Light blue"], Sizes),
        new("女装 Womenswear", "碎花连衣裙 Floral Dress", 239m, 350, ["粉色 Pink", "蓝色 Blue"], Sizes[..3]),
        new("女装 Womenswear", "针织开衫 Knit Cardigan", 189m, 400, ["米色 Beige", "灰色 Grey", "黑色 Black"], Sizes[..3]),
        new("女装 Womenswear", "高腰阔腿裤 High-waist Wide-leg Trousers", 159m, 420, ["黑色 Black", "卡其 Khaki"], Sizes),
        new("手机配件 Phone accessories", "快充数据线 Fast-charging Cable", 29.9m, 50, ["白色 White", "黑色 Black"], ["1m", "2m"]),
        new("手机配件 Phone accessories", "氮化镓充电器 GaN Charger 65W", 129m, 120, ["白色 White"], null),
        new("手机配件 Phone accessories", "磁吸手机壳 Magnetic Phone Case", 49m, 40, Colours, null),
        new("音频 Audio", "降噪蓝牙耳机 Noise-cancelling Earbuds", 599m, 60, ["白色 White", "黑色 Black"], null),
        new("音频 Audio", "便携音箱 Portable Speaker", 299m, 540, ["蓝色 Blue", "灰色 Grey"], null),
        new("厨房 Kitchen", "不粘炒锅 Non-stick Wok", 219m, 1800, null, ["28cm", "32cm"]),
        new("厨房 Kitchen", "陶瓷餐具套装 Ceramic Tableware Set", 159m, 3200, ["白色 White", "青色 Celadon"], null),
        new("床品 Bedding", "全棉四件套 Cotton Bedding Set", 329m, 2500, ["灰色 Grey", "蓝色 Blue", "米色 Beige"], ["1.5m", "1.8m"]),
        new("床品 Bedding", "乳胶枕 Latex Pillow", 189m, 1200, null, null),
        new("茶叶 Tea", "明前龙井 West Lake Longjing Tea", 268m, 260, null, ["125g", "250g"]),
        new("茶叶 Tea", "云南普洱 Yunnan Pu'er Cake", 158m, 380, null, ["357g"]),
        new("零食 Snacks", "每日坚果 Daily Mixed Nuts", 79.9m, 750, null, ["15包 15 packs", "30包 30 packs"]),
        new("零食 Snacks", "手工牛肉干 Handmade Beef Jerky", 59m, 250, ["原味 Original", "麻辣 Spicy"], null),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.DemoCatalog) return;
        var existing = await products.SearchAsync(new ProductQuery { PageSize = 1, IncludeDeleted = true }, cancellationToken);
        if (existing.Total > 0) return;

        var categoryIds = new Dictionary<string, long>();
        foreach (var (parent, children) in Tree)
        {
            var root = await categories.CreateAsync(new CategoryInput { Name = parent, SortOrder = categoryIds.Count }, cancellationToken);
            categoryIds[parent] = root.Id;
            foreach (var child in children)
                categoryIds[child] = (await categories.CreateAsync(new CategoryInput { Name = child, ParentId = root.Id }, cancellationToken)).Id;
        }
        var brandIds = new List<long>();
        foreach (var name in BrandNames)
            brandIds.Add((await brands.CreateAsync(new BrandInput { Name = name, LogoUrl = $"/demo-images/{Uri.EscapeDataString(name.Split(' ')[1])}.svg" }, cancellationToken)).Id);

        var random = new Random(20261122);
        var skuCount = 0;
        for (var i = 0; i < 50; i++)
        {
            var template = Templates[i % Templates.Length];
            var edition = i / Templates.Length; // 0, 1, 2: the same kind of goods from other brands
            var brandId = brandIds[(i + edition) % brandIds.Count];
            var brandName = BrandNames[(i + edition) % BrandNames.Length];
            var dims = new List<SpecDimension>();
            if (template.Colours is { } colours) dims.Add(new SpecDimension("颜色 Colour", colours));
            if (template.Sizes is { } sizes) dims.Add(new SpecDimension("规格 Size", sizes));
            var combos = Combinations(dims).ToList();
            var priceStep = Math.Round(template.BasePrice * 0.05m, 1);
            var basePrice = template.BasePrice + edition * priceStep * 2;
            var code = $"DEMO-{i + 1:000}";

            var product = await products.CreateAsync(new ProductInput
            {
                Name = $"{brandName.Split(' ')[0]} {template.Name}",
                Subtitle = edition == 0 ? "新品上市 New arrival" : "热销 Best seller",
                Description = $"<p>{template.Name}。品质之选，七天无理由退换。</p><p>Quality you can trust, 7-day returns.</p>",
                CategoryId = categoryIds[template.Category],
                BrandId = brandId,
                Specs = dims,
                Images = [$"/demo-images/{code}.svg", $"/demo-images/{code}-2.svg"],
                Skus = combos.Select((values, k) => new SkuInput
                {
                    Code = $"{code}-{k + 1:00}",
                    SpecValues = values,
                    Price = basePrice + (values.Count > 1 ? k % dims[^1].Values.Count * priceStep : 0),
                    MemberPrice = Math.Round((basePrice + (values.Count > 1 ? k % dims[^1].Values.Count * priceStep : 0)) * 0.95m, 2),
                    MarketPrice = Math.Round(basePrice * 1.3m, 0),
                    Barcode = $"69{random.NextInt64(10_000_000_000, 99_999_999_999)}",
                    WeightGrams = template.WeightGrams,
                    Stock = random.Next(0, 10) == 0 ? 0 : random.Next(5, 500),
                    LowStockThreshold = 5,
                }).ToList(),
            }, cancellationToken);
            skuCount += product.Skus.Count;
            // Most of the catalog is on sale; a few drafts show the difference.
            if (i % 10 != 9) await products.SetStatusAsync(product.Id, ProductStatus.Published, cancellationToken);
        }
        logger.LogInformation("Seeded the demo catalog: {Categories} categories, {Brands} brands, 50 products, {Skus} SKUs.", categoryIds.Count, brandIds.Count, skuCount);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static IEnumerable<IReadOnlyList<string>> Combinations(IReadOnlyList<SpecDimension> dims)
    {
        IEnumerable<IReadOnlyList<string>> result = [[]];
        foreach (var dim in dims)
            result = result.SelectMany(prefix => dim.Values.Select(v => (IReadOnlyList<string>)[.. prefix, v]));
        return result;
    }
}
