package catalog

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

func money(amount int64, currency string) *commonv1.Money {
	return &commonv1.Money{AmountMinor: amount, Currency: currency}
}

// StockStatusOf classifies a stock level for shoppers.
func StockStatusOf(stock int) catalogv1.StockStatus {
	switch {
	case stock <= 0:
		return catalogv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK
	case stock <= LowStockThreshold:
		return catalogv1.StockStatus_STOCK_STATUS_LOW_STOCK
	}
	return catalogv1.StockStatus_STOCK_STATUS_IN_STOCK
}

func categoryRef(c *Category) *catalogv1.CategoryRef {
	if c == nil {
		return nil
	}
	return &catalogv1.CategoryRef{Id: c.ID, Slug: c.Slug, Name: c.Name}
}

func imageToProto(im *Image) *catalogv1.ProductImage {
	if im == nil {
		return nil
	}
	return &catalogv1.ProductImage{
		ContentHash: im.SHA256, Url: ImagePath + im.SHA256, ContentType: im.ContentType,
		Width: int32(im.Width), Height: int32(im.Height), AltText: im.AltText, Position: int32(im.Position),
	}
}

func summaryToProto(p ProductSummary, tree *Tree) *catalogv1.ProductSummary {
	cat, _ := tree.ByID(p.CategoryID)
	return &catalogv1.ProductSummary{
		Id: p.ID, Sku: p.SKU, Slug: p.Slug, Name: p.Name, Brand: p.Brand,
		Category:       categoryRef(cat),
		Price:          money(p.PriceMinor, p.Currency),
		StockStatus:    StockStatusOf(p.Stock),
		Image:          imageToProto(p.Image),
		RatingAverage:  p.RatingAvg,
		RatingCount:    int32(p.RatingCount),
		WarrantyMonths: int32(p.WarrantyMonths),
		CreateTime:     timestamppb.New(p.CreatedAt),
	}
}

func productToProto(p Product, tree *Tree) *catalogv1.Product {
	out := &catalogv1.Product{
		Id: p.ID, Sku: p.SKU, Slug: p.Slug, Name: p.Name, Brand: p.Brand,
		Description:    p.Description,
		Price:          money(p.PriceMinor, p.Currency),
		StockQuantity:  int32(p.Stock),
		StockStatus:    StockStatusOf(p.Stock),
		WarrantyMonths: int32(p.WarrantyMonths),
		WeightGrams:    int32(p.WeightGrams),
		Status:         statusToProto(p.Status),
		RatingAverage:  p.RatingAvg,
		RatingCount:    int32(p.RatingCount),
		Version:        p.Version,
		CreateTime:     timestamppb.New(p.CreatedAt),
		UpdateTime:     timestamppb.New(p.UpdatedAt),
	}
	if cat, ok := tree.ByID(p.CategoryID); ok {
		out.Category = categoryRef(cat)
		for _, c := range tree.Path(cat) {
			out.CategoryPath = append(out.CategoryPath, categoryRef(c))
		}
	}
	for i := range p.Images {
		out.Images = append(out.Images, imageToProto(&p.Images[i]))
	}
	for _, s := range p.Specs {
		vt := catalogv1.SpecValueType_SPEC_VALUE_TYPE_TEXT
		if s.Numeric {
			vt = catalogv1.SpecValueType_SPEC_VALUE_TYPE_NUMBER
		}
		out.Specs = append(out.Specs, &catalogv1.ProductSpec{
			Key: s.Key, DisplayName: s.DisplayName, Value: s.Value, NumberValue: s.Number, Unit: s.Unit, ValueType: vt,
		})
	}
	return out
}

func statusToProto(s Status) catalogv1.ProductStatus {
	switch s {
	case StatusDraft:
		return catalogv1.ProductStatus_PRODUCT_STATUS_DRAFT
	case StatusActive:
		return catalogv1.ProductStatus_PRODUCT_STATUS_ACTIVE
	case StatusArchived:
		return catalogv1.ProductStatus_PRODUCT_STATUS_ARCHIVED
	}
	return catalogv1.ProductStatus_PRODUCT_STATUS_UNSPECIFIED
}

func specKeyToProto(k SpecKey) *catalogv1.SpecDefinition {
	vt := catalogv1.SpecValueType_SPEC_VALUE_TYPE_TEXT
	if k.Numeric {
		vt = catalogv1.SpecValueType_SPEC_VALUE_TYPE_NUMBER
	}
	return &catalogv1.SpecDefinition{Key: k.Key, DisplayName: k.DisplayName, Unit: k.Unit, ValueType: vt, Facetable: k.Facetable, Position: int32(k.Position)}
}

func categoryToProto(c *Category) *catalogv1.Category {
	out := &catalogv1.Category{
		Id: c.ID, Slug: c.Slug, Name: c.Name, Description: c.Description, ParentId: c.ParentID,
		Position: int32(c.Position), ProductCount: int32(c.ProductCount), Version: c.Version,
		CreateTime: timestamppb.New(c.CreatedAt), UpdateTime: timestamppb.New(c.UpdatedAt),
	}
	for _, k := range c.OwnSpecKeys {
		out.SpecDefinitions = append(out.SpecDefinitions, specKeyToProto(k))
	}
	for _, ch := range c.Children {
		out.Children = append(out.Children, categoryToProto(ch))
	}
	return out
}

func (h *Handler) facetsToProto(f *Facets) *catalogv1.SearchFacets {
	cur := h.svc.Currency()
	out := &catalogv1.SearchFacets{}
	for _, c := range f.Categories {
		out.Categories = append(out.Categories, &catalogv1.CategoryFacet{CategoryId: c.Category.ID, Slug: c.Category.Slug, Name: c.Category.Name, Count: int32(c.Count)})
	}
	for _, b := range f.Brands {
		out.Brands = append(out.Brands, &catalogv1.BrandFacet{Brand: b.Value, Count: int32(b.Count)})
	}
	for _, pb := range f.Prices {
		b := &catalogv1.PriceBucket{Min: money(pb.Min, cur), Count: int32(pb.Count)}
		if pb.Max != nil {
			b.Max = money(*pb.Max, cur)
		}
		out.PriceBuckets = append(out.PriceBuckets, b)
	}
	for _, sf := range f.Specs {
		d := specKeyToProto(sf.Key)
		spf := &catalogv1.SpecFacet{Key: d.Key, DisplayName: d.DisplayName, Unit: d.Unit, ValueType: d.ValueType}
		for _, v := range sf.Values {
			spf.Values = append(spf.Values, &catalogv1.SpecFacetValue{Value: v.Value, NumberValue: v.Number, Count: int32(v.Count)})
		}
		out.Specs = append(out.Specs, spf)
	}
	return out
}
