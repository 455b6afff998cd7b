import { EmailMessageEntity } from './email-message.entity';
import { OrderItemEntity } from './order-item.entity';
import { OrderShippingAddressEntity } from './order-shipping-address.entity';
import { OrderEntity } from './order.entity';
import { PaymentEntity } from './payment.entity';
import { ProductEntity } from './product.entity';
import { StockAdjustmentEntity } from './stock-adjustment.entity';
import { StockReservationFenceEntity } from './stock-reservation-fence.entity';
import { StockReservationEntity } from './stock-reservation.entity';
import { UserEntity } from './user.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export {
  EmailMessageEntity,
  OrderItemEntity,
  OrderEntity,
  OrderShippingAddressEntity,
  PaymentEntity,
  ProductEntity,
  StockAdjustmentEntity,
  StockReservationEntity,
  StockReservationFenceEntity,
  UserEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookSubscriptionEntity,
};

export const entities = [
  UserEntity,
  ProductEntity,
  StockReservationEntity,
  StockReservationFenceEntity,
  StockAdjustmentEntity,
  OrderEntity,
  OrderItemEntity,
  OrderShippingAddressEntity,
  PaymentEntity,
  EmailMessageEntity,
  WebhookEndpointEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
];
